import type { Pool } from 'pg';
import { MEMBERSHIP_PERIODS_KEPT, type GroupRepository } from '../store.js';
import { inTransaction } from './postgres-transaction.js';
import { groupFromRow, periodFromRow, type GroupRow, type PeriodRow } from '../rows.js';

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
        // Sorted, so that concurrent calls take their row locks in one order. Only the rows really
        // inserted open a period: a concurrent join of the same user waits on the member row and
        // then finds it, so one join opens one period.
        const { rows: added } = await client.query<{ user_id: string }>(
          `WITH added AS (
             INSERT INTO group_members (app_key, group_id, user_id, joined_at)
             SELECT $1, $2, user_id, $4::bigint FROM unnest($3::text[]) AS t (user_id) ORDER BY user_id
             ON CONFLICT (app_key, group_id, user_id) DO NOTHING
             RETURNING user_id
           )
           INSERT INTO group_member_periods (app_key, group_id, user_id, joined_at)
           SELECT $1, $2, user_id, $4::bigint FROM added
           RETURNING user_id`,
          [appKey, groupId, userIds, now],
        );
        if (added.length === 0) return;
        await client.query(
          `DELETE FROM group_member_periods p WHERE p.app_key = $1 AND p.group_id = $2 AND p.user_id = ANY ($3::text[]) AND p.id <= (
             SELECT q.id FROM group_member_periods q WHERE q.app_key = p.app_key AND q.group_id = p.group_id AND q.user_id = p.user_id
             ORDER BY q.id DESC LIMIT 1 OFFSET $4)`,
          [appKey, groupId, added.map((row) => row.user_id), MEMBERSHIP_PERIODS_KEPT],
        );
      }),
    removeMembers: async (appKey, groupId, userIds, now) => {
      await pool.query(
        `WITH removed AS (
           DELETE FROM group_members WHERE app_key = $1 AND group_id = $2 AND user_id = ANY ($3::text[]) RETURNING user_id
         )
         UPDATE group_member_periods p SET left_at = $4 FROM removed
         WHERE p.app_key = $1 AND p.group_id = $2 AND p.user_id = removed.user_id AND p.left_at IS NULL`,
        [appKey, groupId, userIds, now],
      );
    },
    // Memberships and their periods go with the group (ON DELETE CASCADE).
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
    periods: async (appKey, groupId, userId) => {
      const { rows } = await pool.query<PeriodRow>(
        'SELECT joined_at, left_at FROM group_member_periods WHERE app_key = $1 AND group_id = $2 AND user_id = $3 ORDER BY id',
        [appKey, groupId, userId],
      );
      return rows.map(periodFromRow);
    },
  };
}
