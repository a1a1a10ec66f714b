import type Database from 'better-sqlite3';
import { MessageDirection } from '@parley/protocol';
import type { MessageRepository } from '../store.js';
import {
  CHANGES_CURSOR_JOIN,
  conversationFromRow,
  directedMatch,
  inboxEntryFromRow,
  messageFromRow,
  PERSISTED,
  stripDelivery,
  windowBounds,
  type ConversationRow,
  type InboxRow,
  type MessageRow,
} from '../rows.js';
import { notRecalledWithDelete, visibleInConversation, visibleTo } from '../hidden-messages.js';
import { InboxTail } from './inbox-tail.js';
import type { MessageWriterThread } from './writer/writer-thread.js';

/**
 * Messages on the main thread: reads run here on the main connection; writes go to the writer
 * thread (writer/message-writer.ts), and what they wrote feeds the in-memory inbox tail that
 * answers most pulls.
 */
/** A directed message shows in history only to its sender and the users it names (binds the viewer, then directedMatch). */
const VISIBLE_TO_VIEWER = '(directed_to IS NULL OR sender_id = ? OR instr(directed_to, ?) > 0)';

/** What the viewer deleted or cleared stays out of their history (binds @appKey, @viewer and @conversationKey). */
const NOT_HIDDEN_FROM_VIEWER = visibleInConversation('messages', '@appKey', '@viewer', '@conversationKey');

export function sqliteMessages(db: Database.Database, writer: MessageWriterThread, tail: InboxTail): MessageRepository {
  const pull = db.prepare(
    `SELECT i.cursor AS cursor, i.direction AS direction, m.*, ci.cursor AS changes_cursor FROM inbox i JOIN messages m ON m.seq = i.message_seq
     ${CHANGES_CURSOR_JOIN}
     WHERE i.app_key = ? AND i.user_id = ? AND i.cursor > ? AND ${visibleTo('m', 'i.app_key', 'i.user_id')} ORDER BY i.cursor LIMIT ?`,
  );
  const older = db.prepare(
    `SELECT * FROM messages WHERE app_key = ? AND conversation_key = ? AND sent_time < ? AND sent_time >= ? AND sent_time < ?
     AND (flags & ${PERSISTED}) != 0 AND ${notRecalledWithDelete('messages')} AND ${VISIBLE_TO_VIEWER} AND ${NOT_HIDDEN_FROM_VIEWER} ORDER BY sent_time DESC, seq DESC LIMIT ?`,
  );
  const newer = db.prepare(
    `SELECT * FROM messages WHERE app_key = ? AND conversation_key = ? AND sent_time > ? AND sent_time >= ? AND sent_time < ?
     AND (flags & ${PERSISTED}) != 0 AND ${notRecalledWithDelete('messages')} AND ${VISIBLE_TO_VIEWER} AND ${NOT_HIDDEN_FROM_VIEWER} ORDER BY sent_time, seq LIMIT ?`,
  );
  const conversations = db.prepare(
    `SELECT c.conversation_type AS c_type, c.target_id AS c_target, c.version_time AS c_version, m.*
     FROM conversations c JOIN messages m ON m.seq = c.last_message_seq
     WHERE c.app_key = @appKey AND c.user_id = @userId AND (@before = 0 OR c.version_time < @before) AND ${visibleTo('m', 'c.app_key', 'c.user_id')}
     ORDER BY c.version_time DESC LIMIT @limit`,
  );

  return {
    append: async (messages) => {
      const written = await writer.append(messages);
      return written.map((result, i) => {
        if (result.duplicateOf) return { message: result.duplicateOf, duplicate: true, cursors: [] };
        const sent = messages[i] as (typeof messages)[number];
        const message = stripDelivery(sent);
        if (result.unchanged) return { message, duplicate: false, cursors: [], change: result.unchanged };
        const changed = result.change?.kind === 'applied' ? result.change : undefined;
        if (changed) tail.replace(sent.appKey, changed.holders, changed.message);
        // Where each inbox received the changed message: one lookup per entry, in groups of any size.
        const receivedAt = new Map(changed?.holders.filter((h) => h.direction === MessageDirection.RECEIVE).map((h) => [h.userId, h.cursor]));
        for (const { userId, direction, cursor, previousCursor } of result.entries) {
          const changesCursor = receivedAt.get(userId);
          tail.record(sent.appKey, userId, previousCursor, { cursor, direction, message, ...(changesCursor === undefined ? {} : { changesCursor }) });
        }
        return { message, duplicate: false, cursors: result.entries.map(({ userId, cursor }) => ({ userId, cursor })), change: result.change };
      });
    },
    pullInbox: async (appKey, userId, afterCursor, limit) =>
      tail.read(appKey, userId, afterCursor, limit) ??
      (pull.all(appKey, userId, afterCursor, limit) as InboxRow[]).map(inboxEntryFromRow),
    history: async (appKey, conversationKey, viewer, time, isOlder, limit, window) =>
      ((isOlder ? older : newer).all(appKey, conversationKey, time, ...windowBounds(window), viewer, directedMatch(viewer), limit, { appKey, viewer, conversationKey }) as MessageRow[]).map(
        messageFromRow,
      ),
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

