import type Database from 'better-sqlite3';
import type { MessageRepository } from '../store.js';
import {
  conversationFromRow,
  inboxEntryFromRow,
  messageFromRow,
  PERSISTED,
  stripDelivery,
  windowBounds,
  type ConversationRow,
  type InboxRow,
  type MessageRow,
} from '../rows.js';
import { InboxTail } from './inbox-tail.js';
import type { MessageWriterThread } from './writer/writer-thread.js';

/**
 * Messages on the main thread: reads run here on the main connection; writes go to the writer
 * thread (writer/message-writer.ts), and what they wrote feeds the in-memory inbox tail that
 * answers most pulls.
 */
export function sqliteMessages(db: Database.Database, writer: MessageWriterThread): MessageRepository {
  const pull = db.prepare(
    `SELECT i.cursor AS cursor, i.direction AS direction, m.* FROM inbox i JOIN messages m ON m.seq = i.message_seq
     WHERE i.app_key = ? AND i.user_id = ? AND i.cursor > ? ORDER BY i.cursor LIMIT ?`,
  );
  const older = db.prepare(
    `SELECT * FROM messages WHERE app_key = ? AND conversation_key = ? AND sent_time < ? AND sent_time >= ? AND sent_time < ?
     AND (flags & ${PERSISTED}) != 0 ORDER BY sent_time DESC, seq DESC LIMIT ?`,
  );
  const newer = db.prepare(
    `SELECT * FROM messages WHERE app_key = ? AND conversation_key = ? AND sent_time > ? AND sent_time >= ? AND sent_time < ?
     AND (flags & ${PERSISTED}) != 0 ORDER BY sent_time, seq LIMIT ?`,
  );
  const conversations = db.prepare(
    `SELECT c.conversation_type AS c_type, c.target_id AS c_target, c.version_time AS c_version, m.*
     FROM conversations c JOIN messages m ON m.seq = c.last_message_seq
     WHERE c.app_key = @appKey AND c.user_id = @userId AND (@before = 0 OR c.version_time < @before)
     ORDER BY c.version_time DESC LIMIT @limit`,
  );
  const tail = new InboxTail();

  return {
    append: async (messages) => {
      const written = await writer.append(messages);
      return written.map((result, i) => {
        if (result.duplicateOf) return { message: result.duplicateOf, duplicate: true, cursors: [] };
        const sent = messages[i] as (typeof messages)[number];
        const message = stripDelivery(sent);
        for (const { userId, direction, cursor, previousCursor } of result.entries) {
          tail.record(sent.appKey, userId, previousCursor, { cursor, direction, message });
        }
        return { message, duplicate: false, cursors: result.entries.map(({ userId, cursor }) => ({ userId, cursor })) };
      });
    },
    pullInbox: async (appKey, userId, afterCursor, limit) =>
      tail.read(appKey, userId, afterCursor, limit) ??
      (pull.all(appKey, userId, afterCursor, limit) as InboxRow[]).map(inboxEntryFromRow),
    history: async (appKey, conversationKey, time, isOlder, limit, window) =>
      ((isOlder ? older : newer).all(appKey, conversationKey, time, ...windowBounds(window), limit) as MessageRow[]).map(messageFromRow),
    conversations: async (appKey, userId, before, limit) =>
      (conversations.all({ appKey, userId, before, limit }) as ConversationRow[]).map(conversationFromRow),
    purgeBefore: async (instant, limit) => {
      const purged = await writer.purgeBefore(instant, limit);
      // Rare and wholesale: start the tails over rather than find the purged entries in them.
      if (purged > 0) tail.clear();
      return purged;
    },
  };
}

