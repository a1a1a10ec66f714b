import type { Store } from '../../store/store.js';

/** Groups are created and changed by the app server (Server API); members send to them. */
export class GroupService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** RongCloud's create also adds members to an existing group; join does the same. */
  join(appKey: string, groupId: string, userIds: string[], name?: string): Promise<void> {
    return this.store.groups.addMembers(appKey, groupId, name, userIds, this.now());
  }

  quit(appKey: string, groupId: string, userIds: string[]): Promise<void> {
    return this.store.groups.removeMembers(appKey, groupId, userIds, this.now());
  }

  dismiss(appKey: string, groupId: string): Promise<boolean> {
    return this.store.groups.dismiss(appKey, groupId);
  }

  members(appKey: string, groupId: string): Promise<string[]> {
    return this.store.groups.members(appKey, groupId);
  }

  isMember(appKey: string, groupId: string, userId: string): Promise<boolean> {
    return this.store.groups.isMember(appKey, groupId, userId);
  }
}
