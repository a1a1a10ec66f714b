import { ConversationType } from '@parley/protocol';
import type { Pool, PoolClient } from 'pg';
import type { DeletionRepository, KeyedConversation } from '../store.js';
import { notRecalledWithDelete, visibleInConversation, visibleTo } from '../hidden-messages.js';
import { PERSISTED } from '../rows.js';
import { inTransaction } from './postgres-transaction.js';

export interface ConversationRow {
  type: number;
  target: string;
  lastSeq: number;
}

/**
 * Per-user deletes and clears. Each holds the user's inbox head row lock to commit, as appends to
 * that inbox do, so that a conversation row is re-pointed knowing every message that reached it and
 * every other delete or clear of the user. Locks come in the order appends take them: messages,
 * then heads, then conversation rows.
 */
export function postgresDeletions(pool: Pool): DeletionRepository {
  return {
    hide: (appKey, userId, conversation, uids) =>
      inTransaction(pool, async (client) => {
        const unique = [...new Set(uids)];
        const { rows } = await client.query<{ uid: string; seq: number }>(
          `SELECT m.uid, m.seq FROM messages m WHERE m.uid = ANY($1::text[]) AND m.app_key = $2 AND m.conversation_key = $3
           AND EXISTS (SELECT 1 FROM inbox i WHERE i.message_seq = m.seq AND i.app_key = m.app_key AND i.user_id = $4)
           FOR KEY SHARE OF m`,
          [unique, appKey, conversation.conversationKey, userId],
        );
        const found = new Set(rows.map((r) => r.uid));
        const missing = unique.filter((uid) => !found.has(uid));
        if (missing.length > 0) return { missing };
        await lockInbox(client, appKey, userId);
        await client.query(
          `INSERT INTO deleted_messages (message_seq, user_id) SELECT seq, $2 FROM unnest($1::bigint[]) AS t (seq) ON CONFLICT DO NOTHING`,
          [rows.map((r) => r.seq), userId],
        );
        await refreshRows(client, appKey, userId, conversation, await rowsOf(client, appKey, userId, conversation));
        return { missing };
      }),
    clear: (appKey, userId, clears) =>
      inTransaction(pool, async (client) => {
        await lockInbox(client, appKey, userId);
        for (const c of clears) {
          const rows = await rowsOf(client, appKey, userId, c);
          if (rows.length === 0) continue;
          await client.query(
            `INSERT INTO cleared_conversations (app_key, user_id, conversation_key, cleared_through) VALUES ($1, $2, $3, $4)
             ON CONFLICT (app_key, user_id, conversation_key) DO UPDATE SET cleared_through = GREATEST(cleared_conversations.cleared_through, excluded.cleared_through)`,
            [appKey, userId, c.conversationKey, c.through],
          );
          await refreshRows(client, appKey, userId, c, rows);
        }
      }),
    purgeClears: async (instant, limit) => {
      // SKIP LOCKED: the retention sweeps of several nodes share the work without waiting.
      const { rowCount } = await pool.query(
        `DELETE FROM cleared_conversations WHERE (app_key, user_id, conversation_key) IN (
           SELECT cc.app_key, cc.user_id, cc.conversation_key FROM cleared_conversations cc WHERE cc.cleared_through < $1
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.app_key = cc.app_key AND m.conversation_key = cc.conversation_key AND m.sent_time <= cc.cleared_through)
           LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [instant, limit],
      );
      return rowCount ?? 0;
    },
  };
}

async function lockInbox(client: PoolClient, appKey: string, userId: string): Promise<void> {
  await client.query('SELECT 1 FROM inbox_heads WHERE app_key = $1 AND user_id = $2 FOR UPDATE', [appKey, userId]);
}

/** The user's rows of the conversation: one, or every system row, since system senders share one key (conversation-key.ts). */
async function rowsOf(client: PoolClient, appKey: string, userId: string, c: KeyedConversation): Promise<ConversationRow[]> {
  const system = c.conversationType === ConversationType.SYSTEM;
  const { rows } = await client.query<ConversationRow>(
    `SELECT conversation_type AS type, target_id AS target, last_message_seq AS "lastSeq" FROM conversations
     WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 ${system ? '' : 'AND target_id = $4'} FOR UPDATE`,
    system ? [appKey, userId, c.conversationType] : [appKey, userId, c.conversationType, c.targetId],
  );
  return rows;
}

/** Points each row whose last message is now hidden at the newest message left, or drops it when none is. */
export async function refreshRows(client: PoolClient, appKey: string, userId: string, c: KeyedConversation, rows: ConversationRow[]): Promise<void> {
  for (const row of rows) {
    const { rowCount: visible } = await client.query(`SELECT 1 FROM messages m WHERE m.seq = $1 AND ${visibleTo('m', '$2', '$3')}`, [row.lastSeq, appKey, userId]);
    if (visible) continue;
    const senderId = row.type === ConversationType.SYSTEM ? row.target : null;
    const { rows: left } = await client.query<{ seq: number; sentTime: number }>(
      `SELECT m.seq, m.sent_time AS "sentTime" FROM messages m
       WHERE m.app_key = $1 AND m.conversation_key = $3 AND (m.flags & ${PERSISTED}) <> 0
         AND ${notRecalledWithDelete('m')} AND ${visibleInConversation('m', '$1', '$2', '$3')}
         AND ($4::text IS NULL OR m.sender_id = $4)
         AND EXISTS (SELECT 1 FROM inbox i WHERE i.message_seq = m.seq AND i.app_key = $1 AND i.user_id = $2)
       ORDER BY m.sent_time DESC, m.seq DESC LIMIT 1`,
      [appKey, userId, c.conversationKey, senderId],
    );
    const newest = left[0];
    if (newest) {
      await client.query(
        'UPDATE conversations SET last_message_seq = $1, version_time = $2 WHERE app_key = $3 AND user_id = $4 AND conversation_type = $5 AND target_id = $6',
        [newest.seq, newest.sentTime, appKey, userId, row.type, row.target],
      );
    } else {
      await client.query('DELETE FROM conversations WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4', [appKey, userId, row.type, row.target]);
    }
  }
}
