import { ConversationType, MessageDirection } from '@parley/protocol';
import type Database from 'better-sqlite3';
import type { ReadRepository } from '../store.js';
import { directedMatch, positionFromRow, windowBounds, type PositionRow } from '../rows.js';
import { unreadFromRow, unreadQuery, type UnreadRow } from '../unread-query.js';
import type { MessageWriterThread } from './writer/writer-thread.js';

/**
 * Read positions and group reads: read here on the main connection, written on the writer thread
 * (writer/read-writer.ts), so the main thread never waits for the write lock.
 */
export function sqliteReads(db: Database.Database, writer: MessageWriterThread): ReadRepository {
  const readTimeOf = db
    .prepare('SELECT read_time FROM read_positions WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?')
    .pluck();
  const positions = db.prepare(
    `SELECT c.conversation_type, c.target_id, COALESCE(r.read_time, 0) AS read_time, COALESCE(r.version, 0) AS version
     FROM conversations c LEFT JOIN read_positions r
       ON r.app_key = c.app_key AND r.user_id = c.user_id AND r.conversation_type = c.conversation_type AND r.target_id = c.target_id
     WHERE c.app_key = ? AND c.user_id = ? AND (c.conversation_type, c.target_id) > (?, ?)
     ORDER BY c.conversation_type, c.target_id LIMIT ?`,
  );
  const changed = db.prepare(
    `SELECT conversation_type, target_id, read_time, version FROM read_positions
     WHERE app_key = ? AND user_id = ? AND version >= ? AND (version, conversation_type, target_id) > (?, ?, ?)
     ORDER BY version, conversation_type, target_id LIMIT ?`,
  );
  const unread = db.prepare(
    unreadQuery({
      appKey: '@appKey',
      viewer: '@viewer',
      key: '@key',
      from: '@from',
      to: '@to',
      senderId: '@senderId',
      scanLimit: '@scanLimit',
      directed: '@directed',
      contains: (text, part) => `instr(${text}, ${part}) > 0`,
    }),
  );
  const received = db.prepare(
    `SELECT m.uid, m.sender_id FROM messages m
     WHERE m.app_key = ? AND m.uid = ? AND m.conversation_type = ${ConversationType.GROUP} AND m.target_id = ?
       AND EXISTS (SELECT 1 FROM inbox i WHERE i.message_seq = m.seq AND i.user_id = ? AND i.app_key = m.app_key)`,
  );
  const groupMessage = db.prepare(
    `SELECT m.seq, m.sender_id, m.target_id,
       (SELECT COUNT(*) FROM inbox i WHERE i.message_seq = m.seq AND i.direction = ${MessageDirection.RECEIVE}) AS reached
     FROM messages m WHERE m.app_key = ? AND m.uid = ? AND m.conversation_type = ${ConversationType.GROUP}`,
  );
  const readers = db.prepare('SELECT reader_id AS userId, read_time AS readTime FROM group_reads WHERE message_seq = ? ORDER BY read_time, reader_id');

  return {
    markRead: (appKey, userId, conversation, readTime, now, listedOnly) => writer.read({ kind: 'mark', appKey, userId, conversation, readTime, now, listedOnly }),
    touch: (appKey, userId, conversations, now) => writer.read({ kind: 'touch', appKey, userId, conversations, now }),
    readTime: async (appKey, userId, { conversationType, targetId }) => (readTimeOf.get(appKey, userId, conversationType, targetId) as number | undefined) ?? 0,
    positions: async (appKey, userId, after, limit) =>
      (positions.all(appKey, userId, after?.conversationType ?? 0, after?.targetId ?? '', limit) as PositionRow[]).map(positionFromRow),
    changedSince: async (appKey, userId, version, after, limit) =>
      (
        changed.all(appKey, userId, version, after?.version ?? version, after?.conversationType ?? 0, after?.targetId ?? '', limit) as PositionRow[]
      ).map(positionFromRow),
    unread: async (appKey, viewer, key, window, scanLimit, senderId) => {
      const [from, to] = windowBounds(window);
      const params = { appKey, key, from, to, viewer, senderId: senderId ?? null, scanLimit, directed: directedMatch(viewer) };
      return unreadFromRow(unread.get(params) as UnreadRow);
    },
    purgeBefore: (instant, limit) => writer.read({ kind: 'purge', instant, limit }),
    receivedInGroup: async (appKey, readerId, groupId, uids) =>
      uids.flatMap((uid) => {
        const row = received.get(appKey, uid, groupId, readerId) as { uid: string; sender_id: string } | undefined;
        return row ? [{ uid: row.uid, senderId: row.sender_id }] : [];
      }),
    recordGroupReads: (appKey, readerId, uids, readTime) => writer.read({ kind: 'group-reads', appKey, readerId, uids, readTime }),
    groupReaders: async (appKey, uid) => {
      const message = groupMessage.get(appKey, uid) as { seq: number; sender_id: string; target_id: string; reached: number } | undefined;
      if (!message) return undefined;
      return {
        senderId: message.sender_id,
        groupId: message.target_id,
        reached: message.reached,
        readers: readers.all(message.seq) as { userId: string; readTime: number }[],
      };
    },
  };
}
