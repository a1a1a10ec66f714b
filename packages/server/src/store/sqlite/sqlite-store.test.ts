import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { describePeriodsMigration, describeStoreContract, privateMessage } from '../../../test/support/store-contract.js';
import { notClearedBy, notDeletedBy, visibleInConversation } from '../hidden-messages.js';
import { sqliteDialect } from '../migrations.js';
import { unreadQuery } from '../unread-query.js';
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

describe('sqlite store: per-user deletion', () => {
  it('checks what a user deleted or cleared by key, however many marks there are: no read scans them', async () => {
    const file = join(dir, 'deletion-plans.sqlite');
    await openSqliteStore(file).close();
    const db = new Database(file, { readonly: true });
    try {
      const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ a: 'k', u: 'bob', k: 'key' }) as { detail: string }[]).map((r) => r.detail);
      const reads = [
        `SELECT m.* FROM inbox i JOIN messages m ON m.seq = i.message_seq WHERE i.app_key = @a AND i.user_id = @u AND ${notDeletedBy('m', 'i.user_id')} AND ${notClearedBy('m', 'i.app_key', 'i.user_id')}`,
        `SELECT * FROM messages WHERE app_key = @a AND conversation_key = @k AND ${visibleInConversation('messages', '@a', '@u', '@k')} ORDER BY sent_time DESC LIMIT 20`,
      ];
      for (const sql of reads) {
        const steps = plan(sql);
        expect(steps.filter((step) => /deleted_messages|cleared_conversations|\b(dm|cc)\b/.test(step))).toEqual([
          expect.stringMatching(/^SEARCH .*USING (COVERING )?INDEX/),
          expect.stringMatching(/^SEARCH .*USING (COVERING )?INDEX/),
        ]);
      }
      // One conversation's clear bounds the index range of its history instead of filtering it.
      expect(plan(reads[1]!)[0]).toMatch(/messages_conversation \(app_key=\? AND conversation_key=\? AND sent_time>\?\)/);
    } finally {
      db.close();
    }
  });
});

describe('sqlite store: read state', () => {
  it('writes read positions and group reads on the writer thread: the main thread runs on while another connection holds the write lock', async () => {
    const file = join(dir, 'read-writes.sqlite');
    const store = openSqliteStore(file);
    const other = new Database(file);
    try {
      const [sent] = await store.messages.append([privateMessage('k', 'alice', 'bob', 1000)]);
      other.exec('BEGIN IMMEDIATE');
      const marked = store.reads.markRead('k', 'bob', { conversationType: 1, targetId: 'alice' }, 1000, 2000, true);
      const recorded = store.reads.recordGroupReads('k', 'bob', [sent!.message.uid], 2000);
      // Were either write made here, this timer would wait for the lock (busy_timeout) with them.
      const timerFired = await Promise.race([new Promise((r) => setTimeout(() => r(true), 50)), marked.then(() => false)]);
      expect(timerFired).toBe(true);
      other.exec('COMMIT');
      expect(await marked).toEqual({ kind: 'moved', version: 2000 });
      expect(await recorded).toEqual([sent!.message.uid]);
    } finally {
      other.close();
      await store.close();
    }
  });

  it("counts unread by probing the viewer's inbox entry of each message it looks at, never scanning a message's other entries", async () => {
    const file = join(dir, 'unread-plan.sqlite');
    await openSqliteStore(file).close();
    const db = new Database(file, { readonly: true });
    try {
      const sql = unreadQuery({
        appKey: '@a',
        viewer: '@u',
        key: '@k',
        from: '@f',
        to: '@t',
        senderId: '@s',
        scanLimit: '@l',
        directed: '@d',
        contains: (text, part) => `instr(${text}, ${part}) > 0`,
      });
      const steps = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ a: 'k', u: 'bob', k: 'key', f: 0, t: 1, s: null, l: 10, d: '"bob"' }) as { detail: string }[]).map((r) => r.detail);
      expect(steps.filter((step) => /\binbox\b|\bi\b/.test(step) && !/read_positions/.test(step))).toEqual([expect.stringMatching(/SEARCH i (EXISTS )?USING (COVERING )?INDEX inbox_message_user \(message_seq=\? AND user_id=\?\)/)]);
      expect(steps.some((step) => /SEARCH messages USING INDEX messages_conversation \(app_key=\? AND conversation_key=\? AND sent_time>\? AND sent_time<\?\)/.test(step))).toBe(true);
    } finally {
      db.close();
    }
  });
});
