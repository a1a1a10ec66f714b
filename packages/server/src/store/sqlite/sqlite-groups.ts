import type Database from 'better-sqlite3';
import { MEMBERSHIP_PERIODS_KEPT, type GroupRepository } from '../store.js';
import { groupFromRow, periodFromRow, type GroupRow, type PeriodRow } from '../rows.js';

export function sqliteGroups(db: Database.Database): GroupRepository {
  const upsertGroup = db.prepare(
    `INSERT INTO chat_groups (app_key, group_id, name, created_at) VALUES (@appKey, @groupId, COALESCE(@name, ''), @now)
     ON CONFLICT (app_key, group_id) DO UPDATE SET name = COALESCE(@name, chat_groups.name)`,
  );
  const addMember = db.prepare(
    `INSERT INTO group_members (app_key, group_id, user_id, joined_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (app_key, group_id, user_id) DO NOTHING`,
  );
  const openPeriod = db.prepare('INSERT INTO group_member_periods (app_key, group_id, user_id, joined_at) VALUES (?, ?, ?, ?)');
  const dropOldPeriods = db.prepare(
    `DELETE FROM group_member_periods WHERE app_key = @appKey AND group_id = @groupId AND user_id = @userId AND id <= (
       SELECT id FROM group_member_periods WHERE app_key = @appKey AND group_id = @groupId AND user_id = @userId
       ORDER BY id DESC LIMIT 1 OFFSET @kept)`,
  );
  const removeMember = db.prepare('DELETE FROM group_members WHERE app_key = ? AND group_id = ? AND user_id = ?');
  const closePeriod = db.prepare(
    'UPDATE group_member_periods SET left_at = ? WHERE app_key = ? AND group_id = ? AND user_id = ? AND left_at IS NULL',
  );
  const deleteGroup = db.prepare('DELETE FROM chat_groups WHERE app_key = ? AND group_id = ?');
  const getGroup = db.prepare('SELECT * FROM chat_groups WHERE app_key = ? AND group_id = ?');
  const members = db.prepare('SELECT user_id FROM group_members WHERE app_key = ? AND group_id = ? ORDER BY user_id').pluck();
  const isMember = db.prepare('SELECT 1 FROM group_members WHERE app_key = ? AND group_id = ? AND user_id = ?');
  const periods = db.prepare('SELECT joined_at, left_at FROM group_member_periods WHERE app_key = ? AND group_id = ? AND user_id = ? ORDER BY id');

  const addMembers = db.transaction((appKey: string, groupId: string, name: string | undefined, userIds: string[], now: number) => {
    upsertGroup.run({ appKey, groupId, name: name ?? null, now });
    for (const userId of userIds) {
      if (addMember.run(appKey, groupId, userId, now).changes === 0) continue;
      openPeriod.run(appKey, groupId, userId, now);
      dropOldPeriods.run({ appKey, groupId, userId, kept: MEMBERSHIP_PERIODS_KEPT });
    }
  });
  const removeMembers = db.transaction((appKey: string, groupId: string, userIds: string[], now: number) => {
    for (const userId of userIds) {
      if (removeMember.run(appKey, groupId, userId).changes > 0) closePeriod.run(now, appKey, groupId, userId);
    }
  });

  return {
    addMembers: async (appKey, groupId, name, userIds, now) => {
      addMembers(appKey, groupId, name, userIds, now);
    },
    removeMembers: async (appKey, groupId, userIds, now) => {
      removeMembers(appKey, groupId, userIds, now);
    },
    // Memberships and their periods go with the group (ON DELETE CASCADE).
    dismiss: async (appKey, groupId) => deleteGroup.run(appKey, groupId).changes > 0,
    get: async (appKey, groupId) => {
      const row = getGroup.get(appKey, groupId) as GroupRow | undefined;
      return row ? groupFromRow(row) : undefined;
    },
    members: async (appKey, groupId) => members.all(appKey, groupId) as string[],
    isMember: async (appKey, groupId, userId) => isMember.get(appKey, groupId, userId) !== undefined,
    periods: async (appKey, groupId, userId) => (periods.all(appKey, groupId, userId) as PeriodRow[]).map(periodFromRow),
  };
}
