import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { describePeriodsMigration, describeStoreContract, privateMessage } from '../../../test/support/store-contract.js';
import { sqliteDialect } from '../migrations.js';
import { MessageWriterThread } from './writer/writer-thread.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let current = '';
describeStoreContract(
  'sqlite',
  async () => openSqliteStore((current = join(dir, `store-${++n}.sqlite`))),
  async () => openSqliteStore(current),
);

describePeriodsMigration('sqlite', sqliteDialect, async (statements) => {
  const file = join(dir, `store-${++n}.sqlite`);
  const db = new Database(file);
  for (const statement of statements) db.exec(statement);
  db.close();
  return openSqliteStore(file);
});

describe('sqlite store: writer thread and inbox tail', () => {
  it('answers pulls from memory exactly as the database answers them after a reopen', async () => {
    const file = join(dir, 'tail-vs-db.sqlite');
    const first = openSqliteStore(file);
    const sentAt = 1_800_000_000_000;
    for (let i = 0; i < 30; i++) {
      // Ten to a millisecond, and both directions, so cursors are pushed past send times.
      const from = i % 3 === 0 ? 'bob' : 'alice';
      await first.messages.append(
        Array.from({ length: 10 }, (_, j) => privateMessage('k', from, from === 'bob' ? 'alice' : 'bob', sentAt + i, { clientUniqueId: `c${i}-${j}` })),
      );
    }
    const all = await first.messages.pullInbox('k', 'bob', 0, 1000);
    expect(all).toHaveLength(300);
    const probes = [0, ...all.filter((_, i) => i % 37 === 0).map((e) => e.cursor), all.at(-1)!.cursor];
    const fromMemory = await Promise.all(probes.map((c) => first.messages.pullInbox('k', 'bob', c, 25)));
    await first.close();

    const second = openSqliteStore(file);
    try {
      const fromDisk = await Promise.all(probes.map((c) => second.messages.pullInbox('k', 'bob', c, 25)));
      expect(fromDisk).toEqual(fromMemory);
      expect(fromDisk.at(-1)).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('writes nothing of a batch that fails, and keeps giving fresh cursors afterwards', async () => {
    const store = openSqliteStore(join(dir, 'failed-batch.sqlite'));
    try {
      const [kept] = await store.messages.append([privateMessage('k', 'alice', 'bob', 1000)]);
      const clash = privateMessage('k', 'alice', 'bob', 1001);
      await expect(store.messages.append([clash, { ...privateMessage('k', 'carol', 'bob', 1001), uid: clash.uid }])).rejects.toThrow(/UNIQUE/);
      const [after] = await store.messages.append([privateMessage('k', 'carol', 'bob', 1001)]);
      const inbox = await store.messages.pullInbox('k', 'bob', 0, 10);
      expect(inbox.map((e) => e.message.uid)).toEqual([kept!.message.uid, after!.message.uid]);
      expect(inbox[1]!.cursor).toBeGreaterThan(inbox[0]!.cursor);
      expect(await store.messages.pullInbox('k', 'carol', 0, 10)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('fails the writes waiting on a writer thread that dies, with its error, and does not hang the next', async () => {
    // A directory is no database file: the thread dies opening it.
    const writer = new MessageWriterThread(dir);
    try {
      await expect(writer.append([privateMessage('k', 'alice', 'bob', 1000)])).rejects.toThrow(/message writer thread failed: SQLITE_CANTOPEN/);
      await expect(writer.append([privateMessage('k', 'alice', 'bob', 1001)])).rejects.toThrow(/message writer thread failed: SQLITE_CANTOPEN/);
    } finally {
      await writer.close();
    }
  });
});
