import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStoreOpenError, tokenDigest, type MetaStore, type UserStore } from './local-store.js';
import { SqliteLocalStoreFactory } from './sqlite-store.js';

const APP = 'app1key';

describe('SqliteLocalStoreFactory', () => {
  let dataDir: string;
  let factory: SqliteLocalStoreFactory;
  const opened: (UserStore | MetaStore)[] = [];

  const track = <T extends UserStore | MetaStore>(store: T): T => {
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-client-sqlite-'));
    factory = new SqliteLocalStoreFactory(dataDir);
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps one file per user and one meta file per app, in WAL mode with a schema version', async () => {
    track(await factory.openUser(APP, 'Alice|Bob'));
    track(await factory.openMeta(APP));
    expect(readdirSync(join(dataDir, APP)).filter((name) => name.endsWith('.sqlite')).sort()).toEqual([
      'meta.sqlite',
      'user-_41lice_7c_42ob.sqlite',
    ]);
    for (const [file, table] of [
      ['user-_41lice_7c_42ob.sqlite', 'messages'],
      ['meta.sqlite', 'tokens'],
    ] as const) {
      const db = new Database(join(dataDir, APP, file), { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        // Every migration once, in order, from 1.
        const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all() as number[];
        expect(versions).toEqual(versions.map((_, i) => i + 1));
        expect(versions.length).toBeGreaterThan(0);
        expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table)).toBe(table);
      } finally {
        db.close();
      }
    }
  });

  it('gives userIds that differ only in case their own files', async () => {
    const upper = track(await factory.openUser(APP, 'Alice'));
    const lower = track(await factory.openUser(APP, 'alice'));
    await upper.setSyncCursor(5);
    expect(await lower.getSyncCursor()).toBe(0);
  });

  it('keeps an appKey inside dataDir whatever it contains', async () => {
    track(await factory.openMeta('../escaped'));
    expect(existsSync(join(dataDir, '_2e_2e_2fescaped', 'meta.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, '..', 'escaped'))).toBe(false);
  });

  it('refuses a userId the server would not accept, creating nothing', async () => {
    for (const userId of ['', 'a b', 'a:b', '../evil', 'é', 'x'.repeat(65)]) {
      await expect(factory.openUser(APP, userId)).rejects.toBeInstanceOf(LocalStoreOpenError);
    }
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses an empty appKey', async () => {
    await expect(factory.openUser('', 'alice')).rejects.toBeInstanceOf(LocalStoreOpenError);
    await expect(factory.openMeta('')).rejects.toBeInstanceOf(LocalStoreOpenError);
  });

  it('fails to open, with LocalStoreOpenError, under a dataDir that cannot be created', async () => {
    const regularFile = join(dataDir, 'not-a-folder');
    writeFileSync(regularFile, 'x');
    const blocked = new SqliteLocalStoreFactory(join(regularFile, 'data'));
    await expect(blocked.openUser(APP, 'alice')).rejects.toBeInstanceOf(LocalStoreOpenError);
    await expect(blocked.openMeta(APP)).rejects.toBeInstanceOf(LocalStoreOpenError);
  });

  it('fails to open a file that is not a database, naming the file', async () => {
    mkdirSync(join(dataDir, APP));
    writeFileSync(join(dataDir, APP, 'user-alice.sqlite'), 'this is not a SQLite database, only text'.repeat(100));
    const failure = factory.openUser(APP, 'alice');
    await expect(failure).rejects.toBeInstanceOf(LocalStoreOpenError);
    await expect(failure).rejects.toThrow('user-alice.sqlite');
  });

  it('refuses a database written by a newer SDK rather than guess its schema', async () => {
    const first = await factory.openUser(APP, 'alice');
    await first.close();
    const db = new Database(join(dataDir, APP, 'user-alice.sqlite'));
    db.prepare('INSERT INTO schema_version (version, applied_at) SELECT MAX(version) + 1, 0 FROM schema_version').run();
    db.close();
    await expect(factory.openUser(APP, 'alice')).rejects.toThrow(/newer SDK/);
  });

  it('stores a digest of the token, never the token', async () => {
    const token = 'SECRET-tok3n-that-must-not-leak@nav.parley.example:8443';
    const meta = track(await factory.openMeta(APP));
    await meta.rememberToken(token, 'alice');
    const digest = (await tokenDigest(token)) ?? '';
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const fileBytes = () =>
      ['meta.sqlite', 'meta.sqlite-wal']
        .map((name) => join(dataDir, APP, name))
        .filter((file) => existsSync(file))
        .map((file) => readFileSync(file).toString('latin1'))
        .join('');

    // While open the row may still be in the WAL; close checkpoints it into the main file.
    const whileOpen = fileBytes();
    await meta.close();
    const afterClose = fileBytes();
    for (const bytes of [whileOpen, afterClose]) {
      expect(bytes).toContain(digest);
      expect(bytes).not.toContain(token);
      expect(bytes).not.toContain('SECRET-tok3n');
    }
    const reopened = track(await factory.openMeta(APP));
    expect(await reopened.userIdForToken(token)).toBe('alice');
  });
});
