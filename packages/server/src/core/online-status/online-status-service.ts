import { AckStatus, NotifyType, STATUS_SUBSCRIPTION_LIMITS } from '@parley/protocol';
import type { Logger } from 'pino';
import type { Bus, SessionEntry, StatusSubscription } from '../../bus/bus.js';
import { changedPlatforms, checkSubjects, expiresAtOf, statusOf, type PlatformStatus, type StatusSubscriptionLimits } from './subscription-rules.js';

/**
 * Subscription changes a user may make per second (twice that in a burst): each is a bus write and
 * a notice to their other devices, and a client renews its subscriptions rarely.
 */
const CHANGES_PER_SECOND = 5;

export type SubscribeResult =
  | { ok: true; subscribedAt: number }
  /** `subjectIds`: with SUBSCRIBERS_EXCEED_LIMIT, the users who have too many subscribers. */
  | { ok: false; status: number; subjectIds?: string[] };

export interface UserOnlineStatus {
  userId: string;
  platforms: PlatformStatus[];
}

/**
 * Subscriptions to other users' online status, and the pushes when a subscribed user goes online
 * or offline. A subscription is the subscriber's own (keyed by their app and user id); a subject
 * is any user id of the same app, whose status is answered from presence: online when any device
 * of theirs has a session. State is in the bus (bus.statusSubscriptions), so every node sees it.
 */
export class OnlineStatusService {
  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly limits: StatusSubscriptionLimits = STATUS_SUBSCRIPTION_LIMITS,
  ) {}

  async subscribe(session: SessionEntry, subjectIds: readonly (string | undefined)[], expirySeconds: number | undefined): Promise<SubscribeResult> {
    const now = this.now();
    const subjects = checkSubjects(subjectIds, this.limits);
    const expiresAt = expiresAtOf(expirySeconds, now, this.limits);
    if (!subjects.ok) return subjects;
    if (expiresAt === undefined) return { ok: false, status: AckStatus.PARAMETER_INVALID };
    if (!(await this.withinRate(session))) return { ok: false, status: AckStatus.SEND_FREQUENCY_TOO_FAST };
    const outcome = await this.bus.statusSubscriptions.subscribe(session.appKey, session.userId, subjects.subjectIds, { now, expiresAt }, this.limits);
    if (!outcome.ok) {
      return outcome.reason === 'subscriber-full'
        ? { ok: false, status: AckStatus.SUBSCRIPTIONS_EXCEED_LIMIT }
        : { ok: false, status: AckStatus.SUBSCRIBERS_EXCEED_LIMIT, subjectIds: outcome.subjectIds };
    }
    await this.subscriptionsChanged(session, now);
    return { ok: true, subscribedAt: now };
  }

  async unsubscribe(session: SessionEntry, subjectIds: readonly (string | undefined)[]): Promise<{ ok: true; time: number } | { ok: false; status: number }> {
    const subjects = checkSubjects(subjectIds, this.limits);
    if (!subjects.ok) return subjects;
    if (!(await this.withinRate(session))) return { ok: false, status: AckStatus.SEND_FREQUENCY_TOO_FAST };
    const now = this.now();
    await this.bus.statusSubscriptions.unsubscribe(session.appKey, session.userId, subjects.subjectIds);
    await this.subscriptionsChanged(session, now);
    return { ok: true, time: now };
  }

  /** The user's live subscriptions (at most `perSubscriber`). */
  subscriptions(appKey: string, userId: string): Promise<StatusSubscription[]> {
    return this.bus.statusSubscriptions.subscriptionsOf(appKey, userId, this.now());
  }

  /** The current status of users of the app (a checked list: at most a subscription limit's worth). */
  async statusOf(appKey: string, userIds: readonly string[]): Promise<UserOnlineStatus[]> {
    const now = this.now();
    return Promise.all(userIds.map(async (userId) => ({ userId, platforms: statusOf(await this.bus.presence.sessionsOf(appKey, userId), now) })));
  }

  /**
   * A user's sessions changed (a connect, a displacement, a hang-up) from `before`: when a platform
   * came online or went offline, the user's subscribers hear it, on whichever node. What they are
   * now is read, not computed from the change: of two devices connecting (or hanging up) at once,
   * each sees the other's change too, so at least one of them sees the user come (or go).
   */
  async presenceChanged(appKey: string, userId: string, before: readonly SessionEntry[]): Promise<void> {
    const after = await this.bus.presence.sessionsOf(appKey, userId);
    const platforms = changedPlatforms(before, after);
    if (platforms.length === 0) return;
    const now = this.now();
    const subscribers = await this.bus.statusSubscriptions.subscribersOf(appKey, userId, now);
    if (subscribers.length === 0) return;
    await this.bus.publish({ kind: 'user-status', appKey, userIds: subscribers, status: { userId, time: now, platforms } });
  }

  /** Same as presenceChanged, for callers that must not wait or fail: a lost push is logged, and the next query heals it. */
  presenceChangedInBackground(appKey: string, userId: string, before: readonly SessionEntry[]): void {
    this.presenceChanged(appKey, userId, before).catch((err: unknown) => this.logger.warn({ err, appKey }, 'could not tell subscribers of a status change'));
  }

  private withinRate(session: SessionEntry): Promise<boolean> {
    return this.bus.takeToken(`status-sub:${session.appKey}:${session.userId}`, CHANGES_PER_SECOND, CHANGES_PER_SECOND * 2);
  }

  /** The subscriber's other devices fetch their subscriptions again (pullUserSub). */
  private subscriptionsChanged(session: SessionEntry, time: number): Promise<void> {
    return this.bus.publish({
      kind: 'command',
      appKey: session.appKey,
      userIds: [session.userId],
      notifyType: NotifyType.SUBSCRIPTIONS,
      time,
      exceptSessionId: session.sessionId,
    });
  }
}
