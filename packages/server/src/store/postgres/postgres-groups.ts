import type { Pool } from 'pg';
import type { GroupRepository } from '../store.js';
import { inTransaction } from './postgres-transaction.js';
import { groupFromRow, type GroupRow } from '../rows.js';

export function postgresGroups(pool: Pool): GroupRepository {
  return {
    addMembers: (appKey, groupId, name, userIds, now) =>
      inTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO chat_groups (app_key, group_id, name, created_at) VALUES ($1, $2, COALESCE($3::text, ''), $4)
           ON CONFLICT (app_key, group_id) DO UPDATE SET name = COALESCE($3::text, chat_groups.name)`,
          [appKey, groupId, name ?? null, now],
        );
        if (userIds.length === 0) return;
        // Sorted, so that concurrent calls take their row locks in one order.
        await client.query(
          `INSERT INTO group_members (app_key, group_id, user_id, joined_at)
           SELECT $1, $2, user_id, $4::bigint FROM unnest($3::text[]) AS t (user_id) ORDER BY user_id
           ON CONFLICT (app_key, group_id, user_id) DO NOTHING`,
          [appKey, groupId, userIds, now],
        );
      }),
    removeMembers: async (appKey, groupId, userIds) => {
      await pool.query('DELETE FROM group_members WHERE app_key = $1 AND group_id = $2 AND user_id = ANY ($3::text[])', [
        appKey,
        groupId,
        userIds,
      ]);
    },
    // Memberships go with the group (ON DELETE CASCADE).
    dismiss: async (appKey, groupId) =>
      ((await pool.query('DELETE FROM chat_groups WHERE app_key = $1 AND group_id = $2', [appKey, groupId])).rowCount ?? 0) > 0,
    get: async (appKey, groupId) => {
      const { rows } = await pool.query<GroupRow>('SELECT * FROM chat_groups WHERE app_key = $1 AND group_id = $2', [appKey, groupId]);
      return rows[0] ? groupFromRow(rows[0]) : undefined;
    },
    members: async (appKey, groupId) => {
      // "C" orders ids by bytes, as SQLite does, whatever the database's default collation.
      const { rows } = await pool.query<{ user_id: string }>(
        'SELECT user_id FROM group_members WHERE app_key = $1 AND group_id = $2 ORDER BY user_id COLLATE "C"',
        [appKey, groupId],
      );
      return rows.map((row) => row.user_id);
    },
    isMember: async (appKey, groupId, userId) =>
      ((await pool.query('SELECT 1 FROM group_members WHERE app_key = $1 AND group_id = $2 AND user_id = $3', [appKey, groupId, userId]))
        .rowCount ?? 0) > 0,
  };
}

