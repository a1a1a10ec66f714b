import type Database from 'better-sqlite3';
import { ConversationType } from '@parley/protocol';
import type { HistoryClear, KeyedConversation } from '../../store.js';
import { notRecalledWithDelete, visibleInConversation, visibleTo } from '../../hidden-messages.js';
import { PERSISTED } from '../../rows.js';
import type { DeletionRequest } from './protocol.js';

export interface ConversationRow {
  type: number;
  target: string;
  lastSeq: number;
}

/**
 * The conversation rows of users, kept pointing at a message each user can still see: after a
 * delete, a clear, or a recall with delete (writer/change-writer.ts) hid the one a row pointed at.
 */
export function conversationRows(db: Database.Database) {
  const rowOf = db.prepare(
    `SELECT conversation_type AS type, target_id AS target, last_message_seq AS lastSeq FROM conversations
     WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?`,
  );
  const rowsOfType = db.prepare(
    `SELECT conversation_type AS type, target_id AS target, last_message_seq AS lastSeq FROM conversations
     WHERE app_key = ? AND user_id = ? AND conversation_type = ?`,
  );
  const isVisible = db.prepare(`SELECT 1 FROM messages m WHERE m.seq = @seq AND ${visibleTo('m', '@appKey', '@userId')}`).pluck();
  const newestLeft = db.prepare(
    `SELECT m.seq, m.sent_time AS sentTime FROM messages m
     WHERE m.app_key = @appKey AND m.conversation_key = @key AND (m.flags & ${PERSISTED}) != 0
       AND ${notRecalledWithDelete('m')} AND ${visibleInConversation('m', '@appKey', '@userId', '@key')}
       AND (@senderId IS NULL OR m.sender_id = @senderId)
       AND EXISTS (SELECT 1 FROM inbox i WHERE i.message_seq = m.seq AND i.app_key = @appKey AND i.user_id = @userId)
     ORDER BY m.sent_time DESC, m.seq DESC LIMIT 1`,
  );
  const repoint = db.prepare(
    'UPDATE conversations SET last_message_seq = ?, version_time = ? WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?',
  );
  const drop = db.prepare('DELETE FROM conversations WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?');

  return {
    /** The user's rows of the conversation: one, or every system row, since system senders share one key (conversation-key.ts). */
    rowsOf: (appKey: string, userId: string, c: KeyedConversation): ConversationRow[] =>
      (c.conversationType === ConversationType.SYSTEM
        ? rowsOfType.all(appKey, userId, c.conversationType)
        : rowOf.all(appKey, userId, c.conversationType, c.targetId)) as ConversationRow[],

    /** Points each row whose last message is now hidden at the newest message left, or drops it when none is. */
    refresh: (appKey: string, userId: string, c: KeyedConversation, rows: ConversationRow[]): void => {
      for (const row of rows) {
        if (isVisible.get({ seq: row.lastSeq, appKey, userId })) continue;
        const senderId = row.type === ConversationType.SYSTEM ? row.target : null;
        const left = newestLeft.get({ appKey, userId, key: c.conversationKey, senderId }) as { seq: number; sentTime: number } | undefined;
        if (left) repoint.run(left.seq, left.sentTime, appKey, userId, row.type, row.target);
        else drop.run(appKey, userId, row.type, row.target);
      }
    },
  };
}

/**
 * Per-user deletes and clears on the writer thread: they change conversation rows, which only this
 * connection writes, and they queue behind the appends sent before them, so the main thread hears
 * of them after it has recorded those appends in the inbox tail.
 */
export function deletionWriter(db: Database.Database) {
  const inUsersInbox = db
    .prepare(
      `SELECT m.seq FROM messages m WHERE m.uid = ? AND m.app_key = ? AND m.conversation_key = ?
       AND EXISTS (SELECT 1 FROM inbox i WHERE i.message_seq = m.seq AND i.app_key = m.app_key AND i.user_id = ?)`,
    )
    .pluck();
  const markDeleted = db.prepare('INSERT INTO deleted_messages (message_seq, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const markCleared = db.prepare(
    `INSERT INTO cleared_conversations (app_key, user_id, conversation_key, cleared_through) VALUES (?, ?, ?, ?)
     ON CONFLICT (app_key, user_id, conversation_key) DO UPDATE SET cleared_through = MAX(cleared_through, excluded.cleared_through)`,
  );
  const purgeClears = db.prepare(
    `DELETE FROM cleared_conversations WHERE (app_key, user_id, conversation_key) IN (
       SELECT cc.app_key, cc.user_id, cc.conversation_key FROM cleared_conversations cc WHERE cc.cleared_through < ?
       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.app_key = cc.app_key AND m.conversation_key = cc.conversation_key AND m.sent_time <= cc.cleared_through)
       LIMIT ?)`,
  );
  const { rowsOf, refresh: refreshRows } = conversationRows(db);

  const hide = db.transaction((appKey: string, userId: string, c: KeyedConversation, uids: string[]): { missing: string[] } => {
    const seqs = new Map<string, number | undefined>([...new Set(uids)].map((uid) => [uid, inUsersInbox.get(uid, appKey, c.conversationKey, userId) as number | undefined]));
    const missing = [...seqs].filter(([, seq]) => seq === undefined).map(([uid]) => uid);
    if (missing.length > 0) return { missing };
    for (const seq of seqs.values()) markDeleted.run(seq, userId);
    refreshRows(appKey, userId, c, rowsOf(appKey, userId, c));
    return { missing };
  });

  const clear = db.transaction((appKey: string, userId: string, clears: HistoryClear[]): void => {
    for (const c of clears) {
      const rows = rowsOf(appKey, userId, c);
      if (rows.length === 0) continue;
      markCleared.run(appKey, userId, c.conversationKey, c.through);
      refreshRows(appKey, userId, c, rows);
    }
  });

  return (request: DeletionRequest): unknown => {
    switch (request.kind) {
      case 'hide':
        return hide(request.appKey, request.userId, request.conversation, request.uids);
      case 'clear':
        return clear(request.appKey, request.userId, request.clears);
      case 'purge-clears':
        return purgeClears.run(request.instant, request.limit).changes;
    }
  };
}
