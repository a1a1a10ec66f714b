import type Database from 'better-sqlite3';
import type { UserProfile, UserRepository } from '../store.js';
import { userFromRow, type UserRow } from '../rows.js';

export function sqliteUsers(db: Database.Database): UserRepository {
  const get = db.prepare('SELECT * FROM users WHERE app_key = ? AND user_id = ?');
  const ensure = db.prepare(
    `INSERT INTO users (app_key, user_id, name, portrait_uri, created_at) VALUES (?, ?, '', '', ?)
     ON CONFLICT (app_key, user_id) DO NOTHING`,
  );
  const setProfile = db.prepare(
    `UPDATE users SET name = COALESCE(@name, name), portrait_uri = COALESCE(@portraitUri, portrait_uri)
     WHERE app_key = @appKey AND user_id = @userId`,
  );
  const setTokensValidAfter = db.prepare('UPDATE users SET tokens_valid_after = ? WHERE app_key = ? AND user_id = ?');
  const setBlockedUntil = db.prepare('UPDATE users SET blocked_until = ? WHERE app_key = ? AND user_id = ?');
  const setDeactivated = db.prepare('UPDATE users SET deactivated = ? WHERE app_key = ? AND user_id = ?');
  const blocked = db.prepare(
    'SELECT * FROM users WHERE app_key = ? AND blocked_until > ? ORDER BY user_id LIMIT ? OFFSET ?',
  );

  const profileParams = (appKey: string, userId: string, profile: UserProfile) => ({
    appKey,
    userId,
    name: profile.name ?? null,
    portraitUri: profile.portraitUri ?? null,
  });

  const setForMany = (statement: Database.Statement, value: number) =>
    db.transaction((appKey: string, userIds: string[], now: number) => {
      for (const userId of userIds) {
        ensure.run(appKey, userId, now);
        statement.run(value, appKey, userId);
      }
    });

  return {
    upsertProfile: async (appKey, userId, profile, now) => {
      const row = db.transaction(() => {
        ensure.run(appKey, userId, now);
        setProfile.run(profileParams(appKey, userId, profile));
        return get.get(appKey, userId) as UserRow;
      })();
      return userFromRow(row);
    },
    get: async (appKey, userId) => {
      const row = get.get(appKey, userId) as UserRow | undefined;
      return row ? userFromRow(row) : undefined;
    },
    updateProfile: async (appKey, userId, profile) =>
      setProfile.run(profileParams(appKey, userId, profile)).changes > 0,
    setTokensValidAfter: async (appKey, userIds, instant, now) => {
      setForMany(setTokensValidAfter, instant)(appKey, userIds, now);
    },
    setBlockedUntil: async (appKey, userIds, instant, now) => {
      setForMany(setBlockedUntil, instant)(appKey, userIds, now);
    },
    setDeactivated: async (appKey, userIds, deactivated, now) => {
      setForMany(setDeactivated, deactivated ? 1 : 0)(appKey, userIds, now);
    },
    listBlocked: async (appKey, now, page) =>
      (blocked.all(appKey, now, page.limit, page.offset) as UserRow[]).map(userFromRow),
  };
}
