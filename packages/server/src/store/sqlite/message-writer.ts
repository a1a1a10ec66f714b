import type Database from 'better-sqlite3';
import type { NewMessage, StoredMessage } from '../store.js';
import { conversationTargetFor, messageFromRow, PERSISTED, type MessageRow } from '../rows.js';

/** One inbox entry a write made, with the cursor the user's inbox had before it. */
export interface WrittenEntry {
  userId: string;
  direction: 1 | 2;
  cursor: number;
  /** The inbox's previous last cursor (0 for an empty inbox): nothing lies between the two. */
  previousCursor: number;
}

/** What writing one message did: either it was a retry of `duplicateOf`, or it made `entries`. */
export type WrittenMessage = { duplicateOf: StoredMessage } | { duplicateOf?: undefined; entries: WrittenEntry[] };

export interface MessageWriter {
  append(messages: NewMessage[]): WrittenMessage[];
  purgeBefore(instant: number, limit: number): number;
}

/** Past this many cached inbox heads the cache starts over; a miss costs one indexed read. */
const MAX_CACHED_HEADS = 200_000;

/**
 * Every write to messages, inboxes and conversations of the SQLite backend, on one connection that
 * nothing else writes these tables with (it runs in the writer thread). Being the only writer lets
 * it keep inbox heads in memory, and write each head and conversation row once per transaction
 * however many messages of the batch touched it: a commit's cost is mostly the distinct pages it
 * rewrites.
 */
export function messageWriter(db: Database.Database): MessageWriter {
  const byClientId = db.prepare('SELECT * FROM messages WHERE app_key = ? AND sender_id = ? AND client_unique_id = ?');
  const insertMessage = db.prepare(
    `INSERT INTO messages (app_key, uid, conversation_type, target_id, conversation_key, sender_id, object_name, content,
       sent_time, flags, client_unique_id)
     VALUES (@appKey, @uid, @conversationType, @targetId, @conversationKey, @senderId, @objectName, @content,
       @sentTime, @flags, @clientUniqueId)`,
  );
  const readHead = db.prepare('SELECT last_cursor FROM inbox_heads WHERE app_key = ? AND user_id = ?').pluck();
  const writeHead = db.prepare(
    `INSERT INTO inbox_heads (app_key, user_id, last_cursor) VALUES (?, ?, ?)
     ON CONFLICT (app_key, user_id) DO UPDATE SET last_cursor = excluded.last_cursor`,
  );
  const insertInbox = db.prepare('INSERT INTO inbox (app_key, user_id, cursor, direction, message_seq) VALUES (?, ?, ?, ?, ?)');
  const touchConversation = db.prepare(
    `INSERT INTO conversations (app_key, user_id, conversation_type, target_id, version_time, last_message_seq)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (app_key, user_id, conversation_type, target_id)
     DO UPDATE SET version_time = excluded.version_time, last_message_seq = excluded.last_message_seq`,
  );
  const expired = db.prepare('SELECT seq FROM messages WHERE sent_time < ? ORDER BY sent_time LIMIT ?').pluck();
  const deleteConversationsOf = db.prepare('DELETE FROM conversations WHERE last_message_seq = ?');
  const deleteMessage = db.prepare('DELETE FROM messages WHERE seq = ?');

  const heads = new Map<string, number>();
  const headOf = (appKey: string, userId: string, key: string): number => {
    const cached = heads.get(key);
    if (cached !== undefined) return cached;
    return (readHead.get(appKey, userId) as number | undefined) ?? 0;
  };

  const appendAll = db.transaction((messages: NewMessage[]): WrittenMessage[] => {
    // Only between transactions: a head changed in this one is not in the table until its end.
    if (heads.size >= MAX_CACHED_HEADS) heads.clear();
    const changedHeads = new Map<string, [appKey: string, userId: string]>();
    const changedConversations = new Map<string, [appKey: string, userId: string, type: number, target: string, time: number, seq: number]>();
    const written = messages.map((m): WrittenMessage => {
      if (m.clientUniqueId !== undefined) {
        const existing = byClientId.get(m.appKey, m.senderId, m.clientUniqueId) as MessageRow | undefined;
        if (existing) return { duplicateOf: messageFromRow(existing) };
      }
      const seq = Number(insertMessage.run({ ...m, clientUniqueId: m.clientUniqueId ?? null }).lastInsertRowid);
      const targets: [userId: string, direction: 1 | 2][] = m.recipients.map((userId) => [userId, 2]);
      if (m.senderCopy) targets.push([m.senderId, 1]);
      const entries = targets.map(([userId, direction]): WrittenEntry => {
        const key = `${m.appKey}\n${userId}`;
        const previousCursor = headOf(m.appKey, userId, key);
        // The cursor is the send time, pushed past the inbox's previous cursor when needed, so it
        // stays strictly increasing however many messages share a millisecond.
        const cursor = Math.max(m.sentTime, previousCursor + 1);
        heads.set(key, cursor);
        changedHeads.set(key, [m.appKey, userId]);
        insertInbox.run(m.appKey, userId, cursor, direction, seq);
        // Status messages (typing and the like) are not persisted and do not become a conversation's latest.
        if (m.flags & PERSISTED) {
          const target = conversationTargetFor(m, direction);
          changedConversations.set(`${key}\n${m.conversationType}\n${target}`, [m.appKey, userId, m.conversationType, target, m.sentTime, seq]);
        }
        return { userId, direction, cursor, previousCursor };
      });
      return { entries };
    });
    for (const [key, [appKey, userId]] of changedHeads) writeHead.run(appKey, userId, heads.get(key));
    for (const row of changedConversations.values()) touchConversation.run(...row);
    return written;
  });

  const purge = db.transaction((instant: number, limit: number) => {
    const seqs = expired.all(instant, limit) as number[];
    for (const seq of seqs) {
      deleteConversationsOf.run(seq);
      deleteMessage.run(seq);
    }
    return seqs.length;
  });

  return {
    append: (messages) => {
      try {
        return appendAll(messages);
      } catch (error) {
        // The transaction rolled back, so heads cached during it may name cursors never stored.
        heads.clear();
        throw error;
      }
    },
    purgeBefore: (instant, limit) => purge(instant, limit),
  };
}
