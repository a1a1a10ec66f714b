import { randomBytes } from 'node:crypto';
import { MessageFlag } from '@parley/protocol';
import { Client } from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { migrations, postgresDialect } from '../migrations.js';
import { describePeriodsMigration, describeStoreContract } from '../../../test/support/store-contract.js';
import { conversationKey } from '../../core/messaging/conversation-key.js';
import { newMessageUid } from '../../core/messaging/message-uid.js';
import type { AppendedMessage, NewMessage, Store } from '../store.js';
import { openPostgresStore, withDefaultUser } from './postgres-store.js';

// CI starts PostgreSQL: when it cannot be reached these tests fail rather than skip.
const url = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';

// Every opened store gets a schema of its own, so no test touches `public` or another test's rows.
const schemas: string[] = [];
function freshSchema(): string {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
}
/** A plain connection beside the stores, to inspect and drop their schemas. */
const adminClient = async (): Promise<Client> => {
  const client = new Client({ connectionString: withDefaultUser(url) });
  await client.connect();
  return client;
};
afterAll(async () => {
  const admin = await adminClient();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
});

let current = '';
describeStoreContract(
  'postgres',
  async () => openPostgresStore(url, { schema: (current = freshSchema()) }),
  async () => openPostgresStore(url, { schema: current }),
);

describePeriodsMigration('postgres', postgresDialect, async (statements) => {
  const schema = freshSchema();
  const admin = await adminClient();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`SET search_path = "${schema}"`);
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
  return openPostgresStore(url, { schema });
});

describe('postgres store shared by several nodes', () => {
  const opened: Store[] = [];
  /** Stores with a pool each, as separate `parley serve` processes would have, on one schema. */
  const openNodes = async (count: number, schema = freshSchema()): Promise<Store[]> => {
    const nodes = await Promise.all(Array.from({ length: count }, () => openPostgresStore(url, { schema, poolSize: 10 })));
    opened.push(...nodes);
    return nodes;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  const insertApp = (store: Store, appKey: string) =>
    store.apps.insert({
      appKey,
      appSecret: 'secret',
      name: appKey,
      state: 'active',
      tokenLifetimeSeconds: 0,
      devicePolicy: 'per-class',
      maxDevices: 5,
      safeDomains: [],
      signatureMode: 'compatible',
      apiRateLimit: 100,
      development: false,
      createdAt: 1,
      updatedAt: 1,
    });

  const message = (from: string, to: string, sentTime: number, clientUniqueId?: string): NewMessage => ({
    appKey: 'a1',
    uid: newMessageUid(),
    conversationType: 1,
    targetId: to,
    conversationKey: conversationKey(1, from, to),
    senderId: from,
    objectName: 'RC:TxtMsg',
    content: JSON.stringify({ content: `${from} to ${to}` }),
    sentTime,
    flags: 3,
    clientUniqueId,
    recipients: [to],
    senderCopy: true,
  });

  it('migrates once when several nodes start together', async () => {
    const schema = freshSchema();
    const [node] = await openNodes(4, schema);
    if (!node) throw new Error('no node opened');
    await insertApp(node, 'a1');
    const admin = await adminClient();
    try {
      const { rows } = await admin.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(rows.map((row) => row.version)).toEqual(migrations.map((m) => m.version));
    } finally {
      await admin.end();
    }
  });

  it('keeps one inbox strictly increasing and exactly-once under concurrent appends from two nodes', async () => {
    const nodes = await openNodes(2);
    const [first] = nodes;
    if (!first) throw new Error('no node opened');
    await insertApp(first, 'a1');
    const sentTime = 1_700_000_000_000;
    const others = ['alice', 'carol', 'dave', 'erin'];
    // 20 batches at once, half on each node, all in the same millisecond. Each batch writes to bob's
    // inbox and to several others in a varying order, so batches contend for the same heads.
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 5 }, (_, k) => {
        const other = others[(b + k) % others.length] ?? 'alice';
        return k % 2 === 0 ? message(other, 'bob', sentTime) : message('bob', other, sentTime);
      }),
    );
    const results = await Promise.all(batches.map((batch, b) => (nodes[b % nodes.length] ?? first).messages.append(batch)));

    for (const userId of ['bob', ...others]) {
      const expected = batches.flat().filter((m) => m.senderId === userId || m.recipients.includes(userId));
      const handedOut = results
        .flat()
        .flatMap((r) => r.cursors.filter((c) => c.userId === userId).map((c) => ({ cursor: c.cursor, uid: r.message.uid })));
      const inbox = await first.messages.pullInbox('a1', userId, 0, 1000);
      const cursors = inbox.map((e) => e.cursor);
      expect(cursors.filter((cursor, i) => i > 0 && cursor <= (cursors[i - 1] ?? Infinity))).toEqual([]);
      expect(inbox.map((e) => e.message.uid).sort()).toEqual(expected.map((m) => m.uid).sort());
      // What append reported is what a pull finds: one cursor per message, none shared.
      expect(inbox.map((e) => ({ cursor: e.cursor, uid: e.message.uid }))).toEqual(handedOut.sort((x, y) => x.cursor - y.cursor));
    }
    // Within each batch, one inbox's cursors follow the batch's order.
    for (const result of results) {
      const bobs = result.flatMap((r) => r.cursors.filter((c) => c.userId === 'bob').map((c) => c.cursor));
      expect(bobs).toEqual([...bobs].sort((x, y) => x - y));
    }
  });

  it('lets a node start its next batch once the previous one is ordered, not before, and keeps send order in shared inboxes', async () => {
    const schema = freshSchema();
    const [node] = await openNodes(1, schema);
    if (!node) throw new Error('no node opened');
    await insertApp(node, 'a1');
    const sentTime = 1_700_000_000_000;
    await node.messages.append([message('aaron', 'zed', sentTime - 10)]);
    // Aaron's head, the first the earlier batch locks, is held elsewhere: that batch stops before it
    // holds any head, and must not let the later one start yet.
    const admin = await adminClient();
    try {
      await admin.query('BEGIN');
      await admin.query(`SELECT 1 FROM "${schema}".inbox_heads WHERE user_id = 'aaron' FOR UPDATE`);
      const earlier = [message('aaron', 'bob', sentTime), message('alice', 'bob', sentTime)];
      const later = [message('alice', 'bob', sentTime), message('bob', 'dave', sentTime)];
      let laterAppend: Promise<AppendedMessage[]> | undefined;
      const earlierAppend = node.messages.append(earlier, () => {
        laterAppend = node.messages.append(later);
      });
      const adminPid = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      for (let tries = 0; tries < 500; tries++) {
        const { rows } = await admin.query<{ waiting: number }>('SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [adminPid]);
        if (rows[0]?.waiting) break;
      }
      expect(laterAppend).toBeUndefined();
      await admin.query('COMMIT');
      const first = await earlierAppend;
      const second = await (laterAppend ?? Promise.reject(new Error('never ordered')));
      // The later batch, started before the earlier one committed, still comes after it in every inbox both write.
      const cursorsOf = (userId: string) => [...first, ...second].flatMap((r) => r.cursors.filter((c) => c.userId === userId).map((c) => c.cursor));
      expect(cursorsOf('bob')).toEqual([sentTime, sentTime + 1, sentTime + 2, sentTime + 3]);
      expect(cursorsOf('alice')).toEqual([sentTime, sentTime + 1]);
      expect((await node.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.uid)).toEqual([...earlier, ...later].map((m) => m.uid));
    } finally {
      await admin.end();
    }
  });

  it('answers pulls made together (read in one statement) as it answers each alone', async () => {
    const [node] = await openNodes(1);
    if (!node) throw new Error('no node opened');
    await insertApp(node, 'a1');
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const sent = users.flatMap((from, i) => users.filter((to) => to !== from).map((to, j) => message(from, to, 1000 + 10 * i + j)));
    await node.messages.append(sent);
    // What a pull leaves out must stay out when read with others: bob hides one message from alice.
    const hidden = sent.find((m) => m.senderId === 'alice' && m.targetId === 'bob');
    if (!hidden) throw new Error('no message from alice to bob');
    const withAlice = { conversationType: 1 as const, targetId: 'alice', conversationKey: hidden.conversationKey };
    expect(await node.deletions.hide('a1', 'bob', withAlice, [hidden.uid])).toEqual({ missing: [] });
    const requests = [
      ...users.map((userId) => ({ userId, after: 0, limit: 100 })),
      { userId: 'bob', after: 0, limit: 2 },
      { userId: 'bob', after: 1015, limit: 100 },
      { userId: 'carol', after: 1_000_000, limit: 100 },
      { userId: 'nobody', after: 0, limit: 100 },
      { userId: 'alice', after: 1003, limit: 3 },
    ];
    const pull = (r: (typeof requests)[number]) => node.messages.pullInbox('a1', r.userId, r.after, r.limit);
    const alone: Awaited<ReturnType<typeof pull>>[] = [];
    for (const r of requests) alone.push(await pull(r));
    const together = await Promise.all(requests.map(pull));
    expect(together).toEqual(alone);
    expect(alone.map((entries) => entries.length)).toEqual([8, 7, 8, 8, 8, 2, 3, 0, 0, 3]);
    expect(alone[1]?.map((e) => e.message.uid)).not.toContain(hidden.uid);
  });

  it('stores a send retried on two nodes at once exactly once', async () => {
    const nodes = await openNodes(2);
    const [first] = nodes;
    if (!first) throw new Error('no node opened');
    await insertApp(first, 'a1');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (nodes[i % nodes.length] ?? first).messages.append([message('alice', 'bob', 1000 + i, 'same-send')])),
    );
    const outcomes = results.flat();
    expect(outcomes.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(outcomes.map((r) => r.message.uid)).size).toBe(1);
    expect(await first.messages.pullInbox('a1', 'bob', 0, 10)).toHaveLength(1);
  });

  it('applies batches that change the same messages in opposite orders on two nodes without deadlocking', async () => {
    const nodes = await openNodes(2);
    const [first] = nodes;
    if (!first) throw new Error('no node opened');
    await insertApp(first, 'a1');
    const originals = Array.from({ length: 6 }, (_, i) => ({ ...message('alice', 'bob', 1000 + i), flags: 3 | MessageFlag.EXPANDABLE }));
    await first.messages.append(originals);
    const update = (original: NewMessage, key: string): NewMessage => ({
      ...message('bob', 'alice', 2000),
      objectName: 'RC:MsgExMsg',
      flags: 0,
      change: { kind: 'expand', uid: original.uid, conversationKey: original.conversationKey, put: { [key]: 'v' } },
    });
    const batches = Array.from({ length: 16 }, (_, b) => (b % 2 === 0 ? originals : [...originals].reverse()).map((o) => update(o, `k${b}`)));
    const results = await Promise.all(batches.map((batch, b) => (nodes[b % nodes.length] ?? first).messages.append(batch)));
    expect(results.flat().map((r) => r.change?.kind)).toEqual(batches.flat().map(() => 'applied'));
    for (const original of originals) expect(Object.keys(JSON.parse((await first.messageChanges.find('a1', original.uid))?.expansion ?? '{}') as object)).toHaveLength(16);
  });
});
