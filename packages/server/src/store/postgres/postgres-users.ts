import type { Pool } from 'pg';
import type { UserRepository } from '../store.js';
import { userFromRow, type UserRow } from '../rows.js';

/** The per-user fields set for many users at once; a fixed map, so no column name comes from input. */
const perUserColumns = {
  tokensValidAfter: 'tokens_valid_after',
  blockedUntil: 'blocked_until',
  deactivated: 'deactivated',
} as const;

export function postgresUsers(pool: Pool): UserRepository {
  const setForMany = async (column: keyof typeof perUserColumns, appKey: string, userIds: string[], value: number, now: number) => {
    if (userIds.length === 0) return;
    // One statement creates the missing users and sets the field on all. Ids are distinct because an
    // upsert may not touch a row twice, and sorted so that concurrent calls lock rows in one order.
    await pool.query(
      `INSERT INTO users (app_key, user_id, name, portrait_uri, created_at, ${perUserColumns[column]})
       SELECT $1, user_id, '', '', $3::bigint, $4::bigint FROM unnest($2::text[]) AS t (user_id) ORDER BY user_id
       ON CONFLICT (app_key, user_id) DO UPDATE SET ${perUserColumns[column]} = excluded.${perUserColumns[column]}`,
      [appKey, [...new Set(userIds)], now, value],
    );
  };

  return {
    upsertProfile: async (appKey, userId, profile, now) => {
      const { rows } = await pool.query<UserRow>(
        `INSERT INTO users (app_key, user_id, name, portrait_uri, created_at)
         VALUES ($1, $2, COALESCE($3::text, ''), COALESCE($4::text, ''), $5)
         ON CONFLICT (app_key, user_id) DO UPDATE
           SET name = COALESCE($3::text, users.name), portrait_uri = COALESCE($4::text, users.portrait_uri)
         RETURNING *`,
        [appKey, userId, profile.name ?? null, profile.portraitUri ?? null, now],
      );
      const row = rows[0];
      if (!row) throw new Error(`upsert of user ${userId} returned no row`);
      return userFromRow(row);
    },
    get: async (appKey, userId) => {
      const { rows } = await pool.query<UserRow>('SELECT * FROM users WHERE app_key = $1 AND user_id = $2', [appKey, userId]);
      return rows[0] ? userFromRow(rows[0]) : undefined;
    },
    updateProfile: async (appKey, userId, profile) => {
      const { rowCount } = await pool.query(
        `UPDATE users SET name = COALESCE($3::text, name), portrait_uri = COALESCE($4::text, portrait_uri)
         WHERE app_key = $1 AND user_id = $2`,
        [appKey, userId, profile.name ?? null, profile.portraitUri ?? null],
      );
      return (rowCount ?? 0) > 0;
    },
    setTokensValidAfter: (appKey, userIds, instant, now) => setForMany('tokensValidAfter', appKey, userIds, instant, now),
    setBlockedUntil: (appKey, userIds, instant, now) => setForMany('blockedUntil', appKey, userIds, instant, now),
    setDeactivated: (appKey, userIds, deactivated, now) => setForMany('deactivated', appKey, userIds, deactivated ? 1 : 0, now),
    listBlocked: async (appKey, now, page) => {
      // "C" orders ids by bytes, as SQLite does, whatever the database's default collation.
      const { rows } = await pool.query<UserRow>(
        'SELECT * FROM users WHERE app_key = $1 AND blocked_until > $2 ORDER BY user_id COLLATE "C" LIMIT $3 OFFSET $4',
        [appKey, now, page.limit, page.offset],
      );
      return rows.map(userFromRow);
    },
  };
}
