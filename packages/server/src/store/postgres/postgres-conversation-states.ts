import type { Pool } from 'pg';
import { changedState, stateFromRow, type StateRow } from '../conversation-state-rows.js';
import { visibleTo } from '../hidden-messages.js';
import { conversationFromRow, type ConversationRow } from '../rows.js';
import type { ConversationState, ConversationStateRepository } from '../store.js';
import { inTransaction } from './postgres-transaction.js';

/** The first key of the advisory locks that serialise one user's conversation-state changes ("CS"). */
const CONVERSATION_STATE_LOCK = 0x4353;

class StatesFull extends Error {}

export function postgresConversationStates(pool: Pool): ConversationStateRepository {
  return {
    set: async (appKey, userId, changes, now, limit) => {
      try {
        return await inTransaction(pool, async (client) => {
          // Nodes changing one user's states at once each give their changes versions of their own.
          await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CONVERSATION_STATE_LOCK, `${appKey}\n${userId}`]);
          const { rows: heads } = await client.query<{ last: number | null; n: number }>(
            'SELECT MAX(version) AS last, COUNT(*)::int AS n FROM conversation_states WHERE app_key = $1 AND user_id = $2',
            [appKey, userId],
          );
          const previous = heads[0]?.last ?? 0;
          let stored = heads[0]?.n ?? 0;
          let version = Math.max(now, previous + 1);
          const states: ConversationState[] = [];
          for (const change of changes) {
            const { rows } = await client.query<StateRow>(
              'SELECT conversation_type, target_id, is_top, notification_level, version FROM conversation_states WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4',
              [appKey, userId, change.conversationType, change.targetId],
            );
            const current = rows[0] ? stateFromRow(rows[0]) : undefined;
            // Throwing rolls back what the batch wrote before: all or nothing.
            if (!current && ++stored > limit) throw new StatesFull();
            const state = changedState(change, current, version++);
            await client.query(
              `INSERT INTO conversation_states (app_key, user_id, conversation_type, target_id, is_top, notification_level, version) VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (app_key, user_id, conversation_type, target_id) DO UPDATE SET is_top = excluded.is_top, notification_level = excluded.notification_level, version = excluded.version`,
              [appKey, userId, state.conversationType, state.targetId, state.isTop ? 1 : 0, state.notificationLevel, state.version],
            );
            states.push(state);
          }
          return { kind: 'set' as const, states, previous };
        });
      } catch (error) {
        if (error instanceof StatesFull) return { kind: 'full' };
        throw error;
      }
    },
    changedAfter: async (appKey, userId, version, limit) => {
      const { rows } = await pool.query<StateRow>(
        `SELECT conversation_type, target_id, is_top, notification_level, version FROM conversation_states
         WHERE app_key = $1 AND user_id = $2 AND version > $3 ORDER BY version LIMIT $4`,
        [appKey, userId, version, limit],
      );
      return rows.map(stateFromRow);
    },
    unlist: async (appKey, userId, conversations) => {
      const { rowCount } = await pool.query(
        `DELETE FROM conversations c USING unnest($3::int[], $4::text[]) AS n (conversation_type, target_id)
         WHERE c.app_key = $1 AND c.user_id = $2 AND c.conversation_type = n.conversation_type AND c.target_id = n.target_id`,
        [appKey, userId, conversations.map((c) => c.conversationType), conversations.map((c) => c.targetId)],
      );
      return rowCount ?? 0;
    },
    listed: async (appKey, userId, conversations) => {
      const { rows } = await pool.query<ConversationRow>(
        `SELECT c.conversation_type AS c_type, c.target_id AS c_target, c.version_time AS c_version, m.*
         FROM conversations c JOIN unnest($3::int[], $4::text[]) AS n (conversation_type, target_id)
           ON c.conversation_type = n.conversation_type AND c.target_id = n.target_id
         JOIN messages m ON m.seq = c.last_message_seq
         WHERE c.app_key = $1 AND c.user_id = $2 AND ${visibleTo('m', 'c.app_key', 'c.user_id')}`,
        [appKey, userId, conversations.map((c) => c.conversationType), conversations.map((c) => c.targetId)],
      );
      return rows.map(conversationFromRow);
    },
  };
}
