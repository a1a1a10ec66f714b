import type { Bus } from '../../bus/bus.js';
import type { AppRecord, Store, UserProfile, UserRecord } from '../../store/store.js';
import { tokenKeyOf } from '../apps/app-keys.js';
import { issueToken } from '../tokens/token.js';

export const MAX_BLOCK_MINUTES = 43_200;

/** Users of one server: registration and tokens, profile, bans, deactivation and presence. */
export class UserService {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers (or updates) the user and issues a new token; older tokens stay valid. */
  async issueToken(app: AppRecord, userId: string, profile: UserProfile, navigationUrl: string): Promise<string> {
    const t = this.now();
    await this.store.users.upsertProfile(app.appKey, userId, profile, t);
    return issueToken({ appKey: app.appKey, userId, issuedAt: t }, tokenKeyOf(app), navigationUrl);
  }

  updateProfile(appKey: string, userId: string, profile: UserProfile): Promise<boolean> {
    return this.store.users.updateProfile(appKey, userId, profile);
  }

  get(appKey: string, userId: string): Promise<UserRecord | undefined> {
    return this.store.users.get(appKey, userId);
  }

  /** Tokens of these users issued before `instant` (ms) stop working at their next connect. */
  expireTokens(appKey: string, userIds: string[], instant: number): Promise<void> {
    return this.store.users.setTokensValidAfter(appKey, userIds, instant, this.now());
  }

  async block(appKey: string, userIds: string[], minutes: number): Promise<void> {
    const t = this.now();
    await this.store.users.setBlockedUntil(appKey, userIds, t + minutes * 60_000, t);
    for (const userId of userIds) await this.bus.publish({ kind: 'drop-user', appKey, userId, reason: 'user-blocked' });
  }

  unblock(appKey: string, userIds: string[]): Promise<void> {
    return this.store.users.setBlockedUntil(appKey, userIds, 0, this.now());
  }

  listBlocked(appKey: string, page: number, size: number): Promise<UserRecord[]> {
    return this.store.users.listBlocked(appKey, this.now(), { offset: (page - 1) * size, limit: size });
  }

  async deactivate(appKey: string, userIds: string[]): Promise<void> {
    await this.store.users.setDeactivated(appKey, userIds, true, this.now());
    for (const userId of userIds) await this.bus.publish({ kind: 'drop-user', appKey, userId, reason: 'user-deactivated' });
  }

  reactivate(appKey: string, userIds: string[]): Promise<void> {
    return this.store.users.setDeactivated(appKey, userIds, false, this.now());
  }

  async isOnline(appKey: string, userId: string): Promise<boolean> {
    return (await this.bus.presence.sessionsOf(appKey, userId)).length > 0;
  }
}
