import type { Pool, PoolClient } from 'pg';
import { decideChange } from '../../core/messaging/change-rules.js';
import type { ChangeOutcome, InboxPlace, MessageChange, MessageChangeRepository, StoredConversationType } from '../store.js';
import { visibleTo } from '../hidden-messages.js';
import { changedColumns, messageFromRow, type MessageRow } from '../rows.js';
import { refreshRows, type ConversationRow } from './postgres-deletions.js';
import { inTransaction } from './postgres-transaction.js';

/**
 * Locks the messages these changes name, in one statement and in seq order, to commit: concurrent
 * changes of one message, from any node, take turns, and two batches that change the same messages
 * cannot deadlock whatever their order. NO KEY UPDATE leaves alone the key-share locks that inserts
 * referencing a message take (group reads, deletion marks, edit feed rows).
 */
export async function lockChangedMessages(client: PoolClient, changes: { appKey: string; uid: string }[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `SELECT 1 FROM messages WHERE (app_key, uid) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY seq FOR NO KEY UPDATE`,
    [changes.map((c) => c.appKey), changes.map((c) => c.uid)],
  );
}

/**
 * Applies a change that `operatorId` makes at `time` inside the caller's transaction, which holds
 * the changed message's row lock (lockChangedMessages) to commit. What a change does is
 * change-rules.ts's to decide; an applied outcome names the inboxes that hold the message.
 */
export async function applyChange(
  client: PoolClient,
  appKey: string,
  operatorId: string,
  change: MessageChange & { conversationKey: string },
  time: number,
): Promise<{ outcome: ChangeOutcome; changedSeq: number }> {
  const { rows } = await client.query<MessageRow & { seq: number }>('SELECT * FROM messages WHERE app_key = $1 AND uid = $2', [appKey, change.uid]);
  const row = rows[0];
  if (!row || row.conversation_key !== change.conversationKey) return { outcome: { kind: 'missing' }, changedSeq: 0 };
  const current = messageFromRow(row);
  const holders = await holdersOf(client, row.seq);
  const decision = decideChange(current, change, time, holders.some((h) => h.userId === operatorId));
  if (decision.kind === 'repeat') return { outcome: { kind: 'repeat', message: current }, changedSeq: row.seq };
  if (decision.kind === 'refused') return { outcome: decision, changedSeq: row.seq };
  const c = changedColumns(decision.state);
  await client.query('UPDATE messages SET content = $1, recall = $2, recall_deleted = $3, modified_time = $4, expansion = $5 WHERE seq = $6', [
    c.content,
    c.recall,
    c.recallDeleted,
    c.modifiedTime,
    c.expansion,
    row.seq,
  ]);
  return { outcome: { kind: 'applied', message: { ...current, ...decision.state }, holders }, changedSeq: row.seq };
}

/** The inboxes that hold a message, and where. */
async function holdersOf(client: PoolClient, seq: number): Promise<InboxPlace[]> {
  const { rows } = await client.query<InboxPlace>('SELECT user_id AS "userId", cursor, direction FROM inbox WHERE message_seq = $1 ORDER BY user_id', [seq]);
  return rows;
}

/**
 * After a recall with delete, points each conversation row that showed the message at the one
 * before it, or drops the row. Called once the batch holds its inbox heads: conversation rows are
 * locked after them, in key order, as appends and deletions lock them.
 */
export async function unshowRecalled(client: PoolClient, appKey: string, seq: number, conversationKey: string): Promise<void> {
  const { rows } = await client.query<ConversationRow & { userId: string }>(
    `SELECT user_id AS "userId", conversation_type AS type, target_id AS target, last_message_seq AS "lastSeq" FROM conversations
     WHERE last_message_seq = $1 AND app_key = $2 ORDER BY user_id, conversation_type, target_id FOR UPDATE`,
    [seq, appKey],
  );
  for (const { userId, ...shown } of rows) {
    await refreshRows(client, appKey, userId, { conversationType: shown.type as StoredConversationType, targetId: shown.target, conversationKey }, [shown]);
  }
}

export function postgresMessageChanges(pool: Pool): MessageChangeRepository {
  return {
    find: async (appKey, uid) => {
      const { rows } = await pool.query<MessageRow>('SELECT * FROM messages WHERE app_key = $1 AND uid = $2', [appKey, uid]);
      return rows[0] ? messageFromRow(rows[0]) : undefined;
    },
    edit: (appKey, change, time) =>
      inTransaction(pool, async (client) => {
        await lockChangedMessages(client, [{ appKey, uid: change.uid }]);
        const { outcome, changedSeq } = await applyChange(client, appKey, '', change, time);
        if (outcome.kind !== 'applied') return { outcome, versions: [] };
        const { holders } = outcome;
        // The holders' inbox heads are locked (in key order, as appends lock them) so that each user's
        // edit versions are taken in turn and strictly increase across nodes.
        const userIds = holders.map((h) => h.userId);
        await client.query('SELECT 1 FROM inbox_heads WHERE app_key = $1 AND user_id = ANY($2::text[]) ORDER BY user_id FOR UPDATE', [appKey, userIds]);
        const { rows: last } = await client.query<{ user_id: string; version: number }>(
          'SELECT user_id, MAX(version) AS version FROM message_edits WHERE app_key = $1 AND user_id = ANY($2::text[]) GROUP BY user_id',
          [appKey, userIds],
        );
        const lastOf = new Map(last.map((r) => [r.user_id, r.version]));
        const versions = userIds.map((userId) => ({ userId, version: Math.max(time, (lastOf.get(userId) ?? 0) + 1) }));
        await client.query(
          `INSERT INTO message_edits (app_key, user_id, message_seq, version)
           SELECT $1, user_id, $4, version FROM unnest($2::text[], $3::bigint[]) AS t (user_id, version)
           ON CONFLICT (app_key, user_id, message_seq) DO UPDATE SET version = excluded.version`,
          [appKey, versions.map((v) => v.userId), versions.map((v) => v.version), changedSeq],
        );
        return { outcome, versions };
      }),
    editsAfter: async (appKey, userId, version, limit) => {
      const { rows } = await pool.query<MessageRow & { edit_version: number }>(
        `SELECT e.version AS edit_version, m.* FROM message_edits e JOIN messages m ON m.seq = e.message_seq
         WHERE e.app_key = $1 AND e.user_id = $2 AND e.version > $3 AND m.recall IS NULL AND ${visibleTo('m', 'e.app_key', 'e.user_id')} ORDER BY e.version LIMIT $4`,
        [appKey, userId, version, limit],
      );
      return rows.map((row) => ({ version: row.edit_version, message: messageFromRow(row) }));
    },
  };
}
