import { ConversationType, MessageDirection } from '@parley/protocol';
import type { Pool, PoolClient } from 'pg';
import type { ReadRepository } from '../store.js';
import { directedMatch, positionFromRow, windowBounds, type PositionRow } from '../rows.js';
import { unreadFromRow, unreadQuery, type UnreadRow } from '../unread-query.js';
import { inTransaction } from './postgres-transaction.js';

/** The first key of the advisory locks that serialise one user's read-position changes ("RP"). */
const READ_POSITION_LOCK = 0x5250;

const UNREAD = unreadQuery({
  appKey: '$1',
  key: '$2',
  from: '$3',
  to: '$4',
  viewer: '$5',
  senderId: '$6::text',
  scanLimit: '$7',
  directed: '$8',
  contains: (text, part) => `strpos(${text}, ${part}) > 0`,
});

/**
 * Takes the user's turn at changing their read positions (nodes marking one user's conversations
 * at once each give their change its own version), and returns a version for the next change: at
 * least `now`, above every earlier one.
 */
async function nextVersion(client: PoolClient, appKey: string, userId: string, now: number): Promise<number> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [READ_POSITION_LOCK, `${appKey}\n${userId}`]);
  const { rows } = await client.query<{ last: number | null }>('SELECT MAX(version) AS last FROM read_positions WHERE app_key = $1 AND user_id = $2', [appKey, userId]);
  return Math.max(now, (rows[0]?.last ?? 0) + 1);
}

export function postgresReads(pool: Pool): ReadRepository {
  return {
    markRead: (appKey, userId, { conversationType, targetId }, readTime, now, listedOnly) =>
      inTransaction(pool, async (client) => {
        const version = await nextVersion(client, appKey, userId, now);
        const { rows } = await client.query<{ read_time: number | null; listed: boolean }>(
          `SELECT (SELECT read_time FROM read_positions WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4) AS read_time,
             EXISTS (SELECT 1 FROM conversations WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4) AS listed`,
          [appKey, userId, conversationType, targetId],
        );
        const { read_time: current, listed } = rows[0] ?? { read_time: null, listed: false };
        if (current === null && listedOnly && !listed) return { kind: 'no-conversation' as const };
        if (current !== null && current >= readTime) return { kind: 'unchanged' as const };
        await client.query(
          `INSERT INTO read_positions (app_key, user_id, conversation_type, target_id, read_time, version) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (app_key, user_id, conversation_type, target_id) DO UPDATE SET read_time = excluded.read_time, version = excluded.version`,
          [appKey, userId, conversationType, targetId, readTime, version],
        );
        return { kind: 'moved' as const, version };
      }),
    touch: (appKey, userId, conversations, now) =>
      inTransaction(pool, async (client) => {
        const version = await nextVersion(client, appKey, userId, now);
        await client.query(
          `WITH named AS (SELECT * FROM unnest($4::int[], $5::text[]) AS t (conversation_type, target_id)),
           moved AS (
             UPDATE read_positions r SET version = $3 FROM named n
             WHERE r.app_key = $1 AND r.user_id = $2 AND r.conversation_type = n.conversation_type AND r.target_id = n.target_id
             RETURNING r.conversation_type, r.target_id
           )
           INSERT INTO read_positions (app_key, user_id, conversation_type, target_id, read_time, version)
           SELECT c.app_key, c.user_id, c.conversation_type, c.target_id, 0, $3 FROM conversations c JOIN named n
             ON c.conversation_type = n.conversation_type AND c.target_id = n.target_id
           WHERE c.app_key = $1 AND c.user_id = $2
             AND NOT EXISTS (SELECT 1 FROM moved WHERE moved.conversation_type = n.conversation_type AND moved.target_id = n.target_id)
           ON CONFLICT (app_key, user_id, conversation_type, target_id) DO NOTHING`,
          [appKey, userId, version, conversations.map((c) => c.conversationType), conversations.map((c) => c.targetId)],
        );
        return version;
      }),
    readTime: async (appKey, userId, { conversationType, targetId }) => {
      const { rows } = await pool.query<{ read_time: number }>(
        'SELECT read_time FROM read_positions WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4',
        [appKey, userId, conversationType, targetId],
      );
      return rows[0]?.read_time ?? 0;
    },
    positions: async (appKey, userId, after, limit) => {
      // "C" orders ids by bytes, as SQLite does, so a page boundary means the same on both backends.
      const { rows } = await pool.query<PositionRow>(
        `SELECT c.conversation_type, c.target_id, COALESCE(r.read_time, 0) AS read_time, COALESCE(r.version, 0) AS version
         FROM conversations c LEFT JOIN read_positions r
           ON r.app_key = c.app_key AND r.user_id = c.user_id AND r.conversation_type = c.conversation_type AND r.target_id = c.target_id
         WHERE c.app_key = $1 AND c.user_id = $2 AND (c.conversation_type, c.target_id COLLATE "C") > ($3::int, $4::text COLLATE "C")
         ORDER BY c.conversation_type, c.target_id COLLATE "C" LIMIT $5`,
        [appKey, userId, after?.conversationType ?? 0, after?.targetId ?? '', limit],
      );
      return rows.map(positionFromRow);
    },
    changedSince: async (appKey, userId, version, after, limit) => {
      const { rows } = await pool.query<PositionRow>(
        `SELECT conversation_type, target_id, read_time, version FROM read_positions
         WHERE app_key = $1 AND user_id = $2 AND version >= $3
           AND (version, conversation_type, target_id COLLATE "C") > ($4::bigint, $5::int, $6::text COLLATE "C")
         ORDER BY version, conversation_type, target_id COLLATE "C" LIMIT $7`,
        [appKey, userId, version, after?.version ?? version, after?.conversationType ?? 0, after?.targetId ?? '', limit],
      );
      return rows.map(positionFromRow);
    },
    unread: async (appKey, viewer, key, window, scanLimit, senderId) => {
      const { rows } = await pool.query<UnreadRow>(UNREAD, [appKey, key, ...windowBounds(window), viewer, senderId ?? null, scanLimit, directedMatch(viewer)]);
      return unreadFromRow(rows[0] as UnreadRow);
    },
    purgeBefore: async (instant, limit) => {
      const { rowCount } = await pool.query(
        `DELETE FROM read_positions WHERE ctid = ANY (ARRAY(SELECT ctid FROM read_positions WHERE version < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`,
        [instant, limit],
      );
      return rowCount ?? 0;
    },
    receivedInGroup: async (appKey, readerId, groupId, uids) => {
      const { rows } = await pool.query<{ uid: string; sender_id: string }>(
        `SELECT m.uid, m.sender_id FROM messages m
         WHERE m.app_key = $1 AND m.uid = ANY ($2::text[]) AND m.conversation_type = ${ConversationType.GROUP} AND m.target_id = $3
           AND EXISTS (SELECT 1 FROM inbox i WHERE i.message_seq = m.seq AND i.app_key = m.app_key AND i.user_id = $4)`,
        [appKey, uids, groupId, readerId],
      );
      return rows.map((row) => ({ uid: row.uid, senderId: row.sender_id }));
    },
    recordGroupReads: async (appKey, readerId, uids, readTime) => {
      const { rows } = await pool.query<{ uid: string }>(
        `WITH recorded AS (
           INSERT INTO group_reads (message_seq, reader_id, read_time)
           SELECT seq, $2, $3 FROM messages WHERE app_key = $1 AND uid = ANY ($4::text[]) ORDER BY seq
           ON CONFLICT (message_seq, reader_id) DO NOTHING RETURNING message_seq
         )
         SELECT m.uid FROM recorded JOIN messages m ON m.seq = recorded.message_seq`,
        [appKey, readerId, readTime, uids],
      );
      const recorded = new Set(rows.map((row) => row.uid));
      return uids.filter((uid) => recorded.has(uid));
    },
    groupReaders: async (appKey, uid) => {
      const { rows } = await pool.query<{ seq: number; sender_id: string; target_id: string; reached: number }>(
        `SELECT m.seq, m.sender_id, m.target_id,
           (SELECT COUNT(*)::int FROM inbox i WHERE i.message_seq = m.seq AND i.direction = ${MessageDirection.RECEIVE}) AS reached
         FROM messages m WHERE m.app_key = $1 AND m.uid = $2 AND m.conversation_type = ${ConversationType.GROUP}`,
        [appKey, uid],
      );
      const message = rows[0];
      if (!message) return undefined;
      const readers = await pool.query<{ user_id: string; read_time: number }>(
        'SELECT reader_id AS user_id, read_time FROM group_reads WHERE message_seq = $1 ORDER BY read_time, reader_id COLLATE "C"',
        [message.seq],
      );
      return {
        senderId: message.sender_id,
        groupId: message.target_id,
        reached: message.reached,
        readers: readers.rows.map((row) => ({ userId: row.user_id, readTime: row.read_time })),
      };
    },
  };
}
