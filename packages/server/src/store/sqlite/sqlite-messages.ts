import type Database from 'better-sqlite3';
import type {
  AppendedMessage,
  ConversationEntry,
  InboxEntry,
  MessageRepository,
  NewMessage,
  StoredConversationType,
} from '../store.js';
import { conversationTargetFor, messageFromRow, PERSISTED, stripDelivery, type MessageRow } from '../rows.js';

export function sqliteMessages(db: Database.Database): MessageRepository {
  const byClientId = db.prepare('SELECT * FROM messages WHERE app_key = ? AND sender_id = ? AND client_unique_id = ?');
  const insertMessage = db.prepare(
    `INSERT INTO messages (app_key, uid, conversation_type, target_id, conversation_key, sender_id, object_name, content,
       sent_time, flags, client_unique_id)
     VALUES (@appKey, @uid, @conversationType, @targetId, @conversationKey, @senderId, @objectName, @content,
       @sentTime, @flags, @clientUniqueId)`,
  );
  // The cursor is the send time, pushed past the inbox's previous cursor when needed, so it stays
  // strictly increasing however many messages share a millisecond.
  const bumpHead = db
    .prepare(
      `INSERT INTO inbox_heads (app_key, user_id, last_cursor) VALUES (?, ?, ?)
       ON CONFLICT (app_key, user_id) DO UPDATE SET last_cursor = MAX(excluded.last_cursor, inbox_heads.last_cursor + 1)
       RETURNING last_cursor`,
    )
    .pluck();
  const insertInbox = db.prepare('INSERT INTO inbox (app_key, user_id, cursor, direction, message_seq) VALUES (?, ?, ?, ?, ?)');
  const touchConversation = db.prepare(
    `INSERT INTO conversations (app_key, user_id, conversation_type, target_id, version_time, last_message_seq)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (app_key, user_id, conversation_type, target_id)
     DO UPDATE SET version_time = excluded.version_time, last_message_seq = excluded.last_message_seq`,
  );
  const pull = db.prepare(
    `SELECT i.cursor AS cursor, i.direction AS direction, m.* FROM inbox i JOIN messages m ON m.seq = i.message_seq
     WHERE i.app_key = ? AND i.user_id = ? AND i.cursor > ? ORDER BY i.cursor LIMIT ?`,
  );
  const older = db.prepare(
    `SELECT * FROM messages WHERE app_key = ? AND conversation_key = ? AND sent_time < ? AND (flags & ${PERSISTED}) != 0
     ORDER BY sent_time DESC, seq DESC LIMIT ?`,
  );
  const newer = db.prepare(
    `SELECT * FROM messages WHERE app_key = ? AND conversation_key = ? AND sent_time > ? AND (flags & ${PERSISTED}) != 0
     ORDER BY sent_time, seq LIMIT ?`,
  );
  const conversations = db.prepare(
    `SELECT c.conversation_type AS c_type, c.target_id AS c_target, c.version_time AS c_version, m.*
     FROM conversations c JOIN messages m ON m.seq = c.last_message_seq
     WHERE c.app_key = @appKey AND c.user_id = @userId AND (@before = 0 OR c.version_time < @before)
     ORDER BY c.version_time DESC LIMIT @limit`,
  );
  const expired = db.prepare('SELECT seq FROM messages WHERE sent_time < ? ORDER BY sent_time LIMIT ?').pluck();
  const deleteConversationsOf = db.prepare('DELETE FROM conversations WHERE last_message_seq = ?');
  const deleteMessage = db.prepare('DELETE FROM messages WHERE seq = ?');

  const appendOne = (m: NewMessage): AppendedMessage => {
    if (m.clientUniqueId !== undefined) {
      const existing = byClientId.get(m.appKey, m.senderId, m.clientUniqueId) as MessageRow | undefined;
      if (existing) return { message: messageFromRow(existing), duplicate: true, cursors: [] };
    }
    const seq = Number(insertMessage.run({ ...m, clientUniqueId: m.clientUniqueId ?? null }).lastInsertRowid);
    const entries: { userId: string; direction: 1 | 2 }[] = m.recipients.map((userId) => ({ userId, direction: 2 }));
    if (m.senderCopy) entries.push({ userId: m.senderId, direction: 1 });
    const cursors = entries.map(({ userId, direction }) => {
      const cursor = bumpHead.get(m.appKey, userId, m.sentTime) as number;
      insertInbox.run(m.appKey, userId, cursor, direction, seq);
      // Status messages (typing and the like) are not persisted and do not become a conversation's latest.
      if (m.flags & PERSISTED) touchConversation.run(m.appKey, userId, m.conversationType, conversationTargetFor(m, direction), m.sentTime, seq);
      return { userId, cursor };
    });
    return { message: stripDelivery(m), duplicate: false, cursors };
  };
  const appendAll = db.transaction((messages: NewMessage[]) => messages.map(appendOne));
  const purge = db.transaction((instant: number, limit: number) => {
    const seqs = expired.all(instant, limit) as number[];
    for (const seq of seqs) {
      deleteConversationsOf.run(seq);
      deleteMessage.run(seq);
    }
    return seqs.length;
  });

  return {
    append: async (messages) => appendAll(messages),
    pullInbox: async (appKey, userId, afterCursor, limit) =>
      (pull.all(appKey, userId, afterCursor, limit) as (MessageRow & { cursor: number; direction: 1 | 2 })[]).map(
        (row): InboxEntry => ({ cursor: row.cursor, direction: row.direction, message: messageFromRow(row) }),
      ),
    history: async (appKey, conversationKey, time, isOlder, limit) =>
      ((isOlder ? older : newer).all(appKey, conversationKey, time, limit) as MessageRow[]).map(messageFromRow),
    conversations: async (appKey, userId, before, limit) =>
      (conversations.all({ appKey, userId, before, limit }) as (MessageRow & { c_type: number; c_target: string; c_version: number })[]).map(
        (row): ConversationEntry => ({
          conversationType: row.c_type as StoredConversationType,
          targetId: row.c_target,
          versionTime: row.c_version,
          lastMessage: messageFromRow(row),
        }),
      ),
    purgeBefore: async (instant, limit) => purge(instant, limit),
  };
}

