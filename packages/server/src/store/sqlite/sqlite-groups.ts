import type Database from 'better-sqlite3';
import type { GroupRepository } from '../store.js';
import { groupFromRow, type GroupRow } from '../rows.js';

export function sqliteGroups(db: Database.Database): GroupRepository {
  const upsertGroup = db.prepare(
    `INSERT INTO chat_groups (app_key, group_id, name, created_at) VALUES (@appKey, @groupId, COALESCE(@name, ''), @now)
     ON CONFLICT (app_key, group_id) DO UPDATE SET name = COALESCE(@name, chat_groups.name)`,
  );
  const addMember = db.prepare(
    `INSERT INTO group_members (app_key, group_id, user_id, joined_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (app_key, group_id, user_id) DO NOTHING`,
  );
  const removeMember = db.prepare('DELETE FROM group_members WHERE app_key = ? AND group_id = ? AND user_id = ?');
  const deleteGroup = db.prepare('DELETE FROM chat_groups WHERE app_key = ? AND group_id = ?');
  const getGroup = db.prepare('SELECT * FROM chat_groups WHERE app_key = ? AND group_id = ?');
  const members = db.prepare('SELECT user_id FROM group_members WHERE app_key = ? AND group_id = ? ORDER BY user_id').pluck();
  const isMember = db.prepare('SELECT 1 FROM group_members WHERE app_key = ? AND group_id = ? AND user_id = ?');

  const addMembers = db.transaction((appKey: string, groupId: string, name: string | undefined, userIds: string[], now: number) => {
    upsertGroup.run({ appKey, groupId, name: name ?? null, now });
    for (const userId of userIds) addMember.run(appKey, groupId, userId, now);
  });
  const removeMembers = db.transaction((appKey: string, groupId: string, userIds: string[]) => {
    for (const userId of userIds) removeMember.run(appKey, groupId, userId);
  });

  return {
    addMembers: async (appKey, groupId, name, userIds, now) => {
      addMembers(appKey, groupId, name, userIds, now);
    },
    removeMembers: async (appKey, groupId, userIds) => {
      removeMembers(appKey, groupId, userIds);
    },
    dismiss: async (appKey, groupId) => deleteGroup.run(appKey, groupId).changes > 0,
    get: async (appKey, groupId) => {
      const row = getGroup.get(appKey, groupId) as GroupRow | undefined;
      return row ? groupFromRow(row) : undefined;
    },
    members: async (appKey, groupId) => members.all(appKey, groupId) as string[],
    isMember: async (appKey, groupId, userId) => isMember.get(appKey, groupId, userId) !== undefined,
  };
}

