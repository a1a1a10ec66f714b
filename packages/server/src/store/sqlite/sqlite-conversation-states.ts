import type Database from 'better-sqlite3';
import { visibleTo } from '../hidden-messages.js';
import { conversationFromRow, type ConversationRow } from '../rows.js';
import type { ConversationState, ConversationStateRepository } from '../store.js';
import { changedState, stateFromRow, type StateRow } from '../conversation-state-rows.js';

/**
 * Conversation states on the main thread's connection: rare writes a user makes by hand. Taking a
 * conversation out of the list is one DELETE there too; SQLite serialises it with the writer
 * thread's commits (busy_timeout), and a message the writer stores after it lists the conversation
 * again, as it should.
 */
export function sqliteConversationStates(db: Database.Database): ConversationStateRepository {
  const lastVersion = db.prepare('SELECT MAX(version) AS last FROM conversation_states WHERE app_key = ? AND user_id = ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM conversation_states WHERE app_key = ? AND user_id = ?');
  const find = db.prepare(
    'SELECT conversation_type, target_id, is_top, notification_level, version FROM conversation_states WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO conversation_states (app_key, user_id, conversation_type, target_id, is_top, notification_level, version) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (app_key, user_id, conversation_type, target_id) DO UPDATE SET is_top = excluded.is_top, notification_level = excluded.notification_level, version = excluded.version`,
  );
  const changed = db.prepare(
    `SELECT conversation_type, target_id, is_top, notification_level, version FROM conversation_states
     WHERE app_key = ? AND user_id = ? AND version > ? ORDER BY version LIMIT ?`,
  );
  const unlist = db.prepare('DELETE FROM conversations WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?');
  const listed = db.prepare(
    `SELECT c.conversation_type AS c_type, c.target_id AS c_target, c.version_time AS c_version, m.*
     FROM conversations c JOIN messages m ON m.seq = c.last_message_seq
     WHERE c.app_key = @appKey AND c.user_id = @userId AND c.conversation_type = @type AND c.target_id = @target AND ${visibleTo('m', 'c.app_key', 'c.user_id')}`,
  );

  const set = db.transaction((appKey: string, userId: string, changes: Parameters<ConversationStateRepository['set']>[2], now: number, limit: number) => {
    const previous = (lastVersion.get(appKey, userId) as { last: number | null }).last ?? 0;
    let stored = (count.get(appKey, userId) as { n: number }).n;
    let version = Math.max(now, previous + 1);
    const states: ConversationState[] = [];
    for (const change of changes) {
      const row = find.get(appKey, userId, change.conversationType, change.targetId) as StateRow | undefined;
      // Throwing rolls back what the batch wrote before: all or nothing.
      if (!row && ++stored > limit) throw new StatesFull();
      const current = row ? stateFromRow(row) : undefined;
      const state = changedState(change, current, version++);
      upsert.run(appKey, userId, state.conversationType, state.targetId, state.isTop ? 1 : 0, state.notificationLevel, state.version);
      states.push(state);
    }
    return { kind: 'set' as const, states, previous };
  });

  return {
    set: async (appKey, userId, changes, now, limit) => {
      try {
        return set.immediate(appKey, userId, changes, now, limit);
      } catch (error) {
        if (error instanceof StatesFull) return { kind: 'full' };
        throw error;
      }
    },
    changedAfter: async (appKey, userId, version, limit) => (changed.all(appKey, userId, version, limit) as StateRow[]).map(stateFromRow),
    unlist: async (appKey, userId, conversations) =>
      db.transaction(() => conversations.reduce((n, c) => n + unlist.run(appKey, userId, c.conversationType, c.targetId).changes, 0)).immediate(),
    listed: async (appKey, userId, conversations) =>
      conversations.flatMap((c) => (listed.all({ appKey, userId, type: c.conversationType, target: c.targetId }) as ConversationRow[]).map(conversationFromRow)),
  };
}

class StatesFull extends Error {}
