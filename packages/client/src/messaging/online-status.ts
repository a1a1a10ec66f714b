import {
  AckStatus,
  decodePayload,
  encodePayload,
  isValidUserId,
  OnlineValue,
  STATUS_SUBSCRIPTION_LIMITS,
  SubscribeOperation,
  SubscribeType,
  Topic,
  type SubDataDetail,
} from '@parley/protocol';
import type { RmtpSession } from '../connection/rmtp-session.js';

/** One platform of a user (OnlinePlatform in @parley/protocol: 0 phones and others, 3 web, 4 desktop). */
export interface PlatformOnlineStatus {
  platform: number;
  online: boolean;
  /** When it took this status, ms. */
  updatedAt: number;
}

export interface UserOnlineStatus {
  userId: string;
  /** Online on any platform. */
  isOnline: boolean;
  platforms: PlatformOnlineStatus[];
}

export class OnlineStatusError extends Error {
  constructor(readonly code: number) {
    super(`online status request failed with ${code}`);
  }
}

/** Whether `userIds` is what a subscription call takes: 1 to 200 user ids. */
export function validSubjects(userIds: unknown): userIds is string[] {
  return (
    Array.isArray(userIds) &&
    userIds.length > 0 &&
    userIds.length <= STATUS_SUBSCRIPTION_LIMITS.perRequest &&
    userIds.every((id) => typeof id === 'string' && isValidUserId(id))
  );
}

/** Whether `seconds` is a subscription lifetime the server takes. */
export function validExpiry(seconds: unknown): seconds is number {
  return Number.isInteger(seconds) && (seconds as number) >= STATUS_SUBSCRIPTION_LIMITS.minExpirySeconds && (seconds as number) <= STATUS_SUBSCRIPTION_LIMITS.maxExpirySeconds;
}

/**
 * Subscriptions to other users' online status, as the official SDK's `subscribeUserStatus`: the
 * server keeps them (so every device of the user has them) and pushes each change (`s_stat`). The
 * last known status of each subscribed user is kept here, so that a change of one platform also
 * says whether the user is still online elsewhere.
 */
export class OnlineStatus {
  private readonly known = new Map<string, Map<number, PlatformOnlineStatus>>();

  constructor(private readonly changed: (status: UserOnlineStatus) => void) {}

  async subscribe(session: RmtpSession, userIds: string[], expirySeconds: number): Promise<void> {
    await this.update(session, userIds, SubscribeOperation.SUBSCRIBE, expirySeconds);
    for (const status of await this.status(session, userIds)) this.known.set(status.userId, new Map(status.platforms.map((p) => [p.platform, p])));
  }

  async unsubscribe(session: RmtpSession, userIds: string[]): Promise<void> {
    await this.update(session, userIds, SubscribeOperation.UNSUBSCRIBE);
    for (const id of userIds) this.known.delete(id);
  }

  /** The current status of those of `userIds` the user subscribes to (others are left out). */
  async status(session: RmtpSession, userIds: string[]): Promise<UserOnlineStatus[]> {
    const answer = await session.query(Topic.qrySubData, '', encodePayload('QrySubDataReq', { subType: SubscribeType.ONLINE_STATUS, subUsers: userIds.map((subUserId) => ({ subUserId })) }));
    if (answer.status !== AckStatus.SUCCESS) throw new OnlineStatusError(answer.status);
    return decodePayload('PullSubDataResp', answer.payload).list.flatMap((detail) => {
      const status = statusOf(detail);
      return status ? [status] : [];
    });
  }

  /**
   * After a connect: the status of every user the user subscribes to (the server keeps the list),
   * reporting the users whose status changed while this device was away from it.
   */
  async sync(session: RmtpSession): Promise<void> {
    const answer = await session.query(Topic.pullSubData, '', encodePayload('PullSubDataReq', { needAllData: true }));
    if (answer.status !== AckStatus.SUCCESS) throw new OnlineStatusError(answer.status);
    const current = new Map<string, UserOnlineStatus>();
    for (const detail of decodePayload('PullSubDataResp', answer.payload).list) {
      const status = statusOf(detail);
      if (status) current.set(status.userId, status);
    }
    const changes: UserOnlineStatus[] = [];
    for (const [userId, status] of current) {
      const known = this.known.get(userId);
      const changed = known ? status.platforms.filter((p) => (known.get(p.platform)?.online ?? false) !== p.online) : [];
      if (changed.length > 0) changes.push({ ...status, platforms: changed });
    }
    this.known.clear();
    for (const [userId, status] of current) this.known.set(userId, new Map(status.platforms.map((p) => [p.platform, p])));
    for (const change of changes) this.changed(change);
  }

  /** An `s_stat`: platforms of a subscribed user changed. */
  onPush(payload: Uint8Array): void {
    const change = statusOf(decodePayload('SubDataDetail', payload));
    if (!change) return;
    const platforms = this.known.get(change.userId) ?? new Map<number, PlatformOnlineStatus>();
    for (const p of change.platforms) {
      const held = platforms.get(p.platform);
      // A push that arrives after a newer answer says nothing new.
      if (!held || held.updatedAt <= p.updatedAt) platforms.set(p.platform, p);
    }
    this.known.set(change.userId, platforms);
    const all = [...platforms.values()];
    this.changed({ userId: change.userId, isOnline: all.some((p) => p.online), platforms: change.platforms });
  }

  private async update(session: RmtpSession, userIds: string[], opType: number, expiry?: number): Promise<void> {
    const request = encodePayload('UpdateUserSubReq', { subType: SubscribeType.ONLINE_STATUS, opType, subUsers: userIds.map((subUserId) => ({ subUserId })), expiry });
    const answer = await session.query(Topic.updUserSub, '', request);
    if (answer.status !== AckStatus.SUCCESS) throw new OnlineStatusError(answer.status);
  }
}

function statusOf(detail: SubDataDetail): UserOnlineStatus | undefined {
  if (!detail.subUserId) return undefined;
  const platforms = detail.data.map((d) => ({ platform: d.platformInfo ?? 0, online: d.value === OnlineValue.ONLINE, updatedAt: d.versionTime ?? 0 }));
  return { userId: detail.subUserId, isOnline: platforms.some((p) => p.online), platforms };
}
