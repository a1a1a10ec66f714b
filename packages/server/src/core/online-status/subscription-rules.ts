import { AckStatus, isValidUserId, OnlinePlatform, STATUS_SUBSCRIPTION_LIMITS } from '@parley/protocol';
import type { PlatformClass, SessionEntry, SubscribeOutcome } from '../../bus/bus.js';

/** RongCloud's limits by default; tests use smaller ones. */
export type StatusSubscriptionLimits = { readonly [K in keyof typeof STATUS_SUBSCRIPTION_LIMITS]: number };

export type SubjectsCheck = { ok: true; subjectIds: string[] } | { ok: false; status: number };

/** The users a subscribe, unsubscribe or query names: 1 to 200 valid ids, duplicates folded. */
export function checkSubjects(subjectIds: readonly (string | undefined)[], limits: StatusSubscriptionLimits = STATUS_SUBSCRIPTION_LIMITS): SubjectsCheck {
  if (subjectIds.length === 0 || subjectIds.length > limits.perRequest) return { ok: false, status: AckStatus.PARAMETER_INVALID };
  const unique = new Set<string>();
  for (const id of subjectIds) {
    if (id === undefined || !isValidUserId(id)) return { ok: false, status: AckStatus.PARAMETER_INVALID };
    unique.add(id);
  }
  return { ok: true, subjectIds: [...unique] };
}

/** A subscription's lifetime, in whole seconds within RongCloud's range; undefined when outside it. */
export function expiresAtOf(expirySeconds: number | undefined, now: number, limits: StatusSubscriptionLimits = STATUS_SUBSCRIPTION_LIMITS): number | undefined {
  if (expirySeconds === undefined || !Number.isInteger(expirySeconds)) return undefined;
  if (expirySeconds < limits.minExpirySeconds || expirySeconds > limits.maxExpirySeconds) return undefined;
  return now + expirySeconds * 1000;
}

/**
 * Whether a subscriber holding `held` live subscriptions may add `subjectIds`, given each subject's
 * live subscribers: renewing one already held counts against neither limit.
 */
export function admitSubscriptions(
  subscriberId: string,
  held: ReadonlySet<string>,
  subjectIds: readonly string[],
  subscribersOf: (subjectId: string) => ReadonlySet<string>,
  limits: { perSubscriber: number; perSubject: number },
): SubscribeOutcome {
  const added = subjectIds.filter((id) => !held.has(id));
  if (held.size + added.length > limits.perSubscriber) return { ok: false, reason: 'subscriber-full' };
  const full = added.filter((id) => {
    const subscribers = subscribersOf(id);
    return !subscribers.has(subscriberId) && subscribers.size >= limits.perSubject;
  });
  return full.length > 0 ? { ok: false, reason: 'subject-full', subjectIds: full } : { ok: true };
}

/**
 * Which platform a session reports as. Parley knows device classes, not operating systems, so a
 * phone is `OTHER`: the SDK still counts it as online (`isOnline` is any platform's value).
 */
export function platformOf(platform: PlatformClass): OnlinePlatform {
  switch (platform) {
    case 'web':
      return OnlinePlatform.WEB;
    case 'desktop':
      return OnlinePlatform.PC;
    default:
      return OnlinePlatform.OTHER;
  }
}

/** The platforms Parley reports on, every one of them in a full answer. */
export const REPORTED_PLATFORMS: readonly OnlinePlatform[] = [OnlinePlatform.OTHER, OnlinePlatform.WEB, OnlinePlatform.PC];

export interface PlatformStatus {
  platform: OnlinePlatform;
  online: boolean;
  /** When it took this status as far as the server knows: the session's start, else the time of asking. */
  time: number;
}

/** A user's status on each reported platform, from their live sessions. */
export function statusOf(sessions: readonly SessionEntry[], now: number): PlatformStatus[] {
  return REPORTED_PLATFORMS.map((platform) => {
    const starts = sessions.filter((s) => platformOf(s.platform) === platform).map((s) => s.connectedAt);
    return starts.length > 0 ? { platform, online: true, time: Math.min(...starts) } : { platform, online: false, time: now };
  });
}

/** The platforms whose online state differs between two views of a user's sessions. */
export function changedPlatforms(before: readonly SessionEntry[], after: readonly SessionEntry[]): { platform: OnlinePlatform; online: boolean }[] {
  const online = (sessions: readonly SessionEntry[]) => new Set(sessions.map((s) => platformOf(s.platform)));
  const was = online(before);
  const is = online(after);
  return REPORTED_PLATFORMS.filter((p) => was.has(p) !== is.has(p)).map((platform) => ({ platform, online: is.has(platform) }));
}
