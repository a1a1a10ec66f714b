import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/store/migrations.js';
import { callServerApi } from './support/server-api-client.js';
import { makeTempDir } from './support/temp-dir.js';
import { PARLEY_BIN, startTestServer, type TestServer } from './support/test-server.js';

/**
 * `parley backup` against a running server that keeps storing messages: the copy is one committed
 * state (everything acked before the backup began, no message without its inbox entries), passes
 * SQLite's integrity check, and a server starts on it.
 */
const run = promisify(execFile);
const SENDERS = 4;
/** Messages sent before the backup starts, so that it has pages to copy while writes go on. */
const BEFORE_BACKUP = 300;
const LOAD_DEADLINE_MS = 20_000;

let server: TestServer;
const dir = makeTempDir('parley-backup-');

beforeAll(async () => {
  server = await startTestServer();
  for (const userId of ['writer', 'reader']) expect((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.code).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  dir.remove();
});

function parley(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [PARLEY_BIN, ...args], { env: { ...process.env, PARLEY_DATABASE_URL: '' } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** Sends numbered messages through the Server API, a few at a time, until told to stop; records each one acked. */
function startWriting(): { acked: Set<number>; stop(): Promise<void> } {
  const acked = new Set<number>();
  let stopping = false;
  let next = 0;
  const deadline = Date.now() + LOAD_DEADLINE_MS;
  const sender = async () => {
    while (!stopping && Date.now() < deadline) {
      const n = next++;
      const response = await callServerApi(
        server.url,
        'message/private/publish',
        { fromUserId: 'writer', toUserId: 'reader', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `m-${n}` }) },
        server.devApp,
      );
      if (response.body.code === 200) acked.add(n);
    }
  };
  const senders = Array.from({ length: SENDERS }, sender);
  return {
    acked,
    stop: async () => {
      stopping = true;
      await Promise.all(senders);
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + LOAD_DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the load did not get going');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('parley backup', () => {
  it('copies a store under write load to a consistent file that a server starts on', async () => {
    const target = join(dir.path, 'copy.sqlite');
    const load = startWriting();
    let result: Awaited<ReturnType<typeof parley>>;
    let ackedBefore: Set<number>;
    let ackedDuring: number;
    try {
      await until(() => load.acked.size >= BEFORE_BACKUP);
      ackedBefore = new Set(load.acked);
      result = await parley('backup', target, '--data-dir', server.dataDir);
      ackedDuring = load.acked.size - ackedBefore.size;
    } finally {
      await load.stop();
    }
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Backed up .* integrity checked\.\n$/) });
    // The server kept committing while the backup process ran.
    expect(ackedDuring).toBeGreaterThan(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);

    const copy = new Database(target, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: migrations.at(-1)?.version });
      const stored = new Set(
        (copy.prepare('SELECT content FROM messages').all() as { content: string }[]).map((row) => Number(/m-(\d+)/.exec(row.content)?.[1])),
      );
      expect([...ackedBefore].filter((n) => !stored.has(n)), 'acked before the backup, missing from it').toEqual([]);
      // Each message came with its inbox entries in the same commit: the copy has both or neither.
      const orphans = copy
        .prepare(`SELECT count(*) AS n FROM messages m WHERE (SELECT count(*) FROM inbox i WHERE i.message_seq = m.seq) <> 2`)
        .get() as { n: number };
      expect(orphans.n).toBe(0);
      const heads = copy.prepare(`SELECT h.last_cursor AS head, (SELECT max(cursor) FROM inbox i WHERE i.app_key = h.app_key AND i.user_id = h.user_id) AS newest FROM inbox_heads h`).all() as { head: number; newest: number }[];
      for (const { head, newest } of heads) expect(head).toBe(newest);
    } finally {
      copy.close();
    }

    const restoredDir = join(dir.path, 'restored');
    mkdirSync(restoredDir, { mode: 0o700 });
    copyFileSync(target, join(restoredDir, 'parley.sqlite'));
    const restored = await startTestServer({ dataDir: restoredDir });
    try {
      expect(restored.createdDevApp).toBeUndefined();
      expect((await callServerApi(restored.url, 'user/checkOnline', { userId: 'reader' }, server.devApp)).body).toEqual({ code: 200, status: '0' });
      const send = await callServerApi(restored.url, 'message/private/publish', { fromUserId: 'writer', toUserId: 'reader', objectName: 'RC:TxtMsg', content: '{"content":"after restore"}' }, server.devApp);
      expect(send.body.code).toBe(200);
    } finally {
      await restored.stop();
    }
  });

  it('never overwrites a file', async () => {
    const target = join(dir.path, 'taken.sqlite');
    writeFileSync(target, 'keep me');
    const result = await parley('backup', target, '--data-dir', server.dataDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${target} exists: give a new file (a backup never overwrites)`);
  });

  it('points a PostgreSQL store to pg_dump', async () => {
    const result = await parley('backup', join(dir.path, 'pg.sqlite'), '--database-url', 'postgres://127.0.0.1:1/none');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/PostgreSQL store is backed up with pg_dump/);
  });

  it('says when the data directory holds no store', async () => {
    const result = await parley('backup', join(dir.path, 'none.sqlite'), '--data-dir', join(dir.path, 'empty'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no SQLite store at .*parley\.sqlite/);
  });
});
