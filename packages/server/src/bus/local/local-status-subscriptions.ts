import { admitSubscriptions } from '../../core/online-status/subscription-rules.js';
import type { StatusSubscription, StatusSubscriptionRegistry } from '../bus.js';

/**
 * Status subscriptions in this process's memory, both directions indexed. Expired entries are
 * dropped whenever their subscriber or subject is looked at; the limits bound each subscriber's
 * map, and each subject's.
 */
export function localStatusSubscriptions(): StatusSubscriptionRegistry {
  const bySubscriber = new Map<string, Map<string, StatusSubscription>>();
  const bySubject = new Map<string, Map<string, number>>();
  const key = (appKey: string, userId: string) => `${appKey}\u0000${userId}`;

  const liveOf = (appKey: string, subscriberId: string, now: number): Map<string, StatusSubscription> => {
    const k = key(appKey, subscriberId);
    const held = bySubscriber.get(k) ?? new Map<string, StatusSubscription>();
    for (const [subjectId, s] of held) if (s.expiresAt <= now) drop(appKey, subscriberId, subjectId);
    if (held.size === 0) bySubscriber.delete(k);
    return held;
  };
  const subscribersAt = (appKey: string, subjectId: string, now: number): Map<string, number> => {
    const k = key(appKey, subjectId);
    const subscribers = bySubject.get(k) ?? new Map<string, number>();
    for (const [subscriberId, expiresAt] of subscribers) if (expiresAt <= now) subscribers.delete(subscriberId);
    if (subscribers.size === 0) bySubject.delete(k);
    return subscribers;
  };
  const drop = (appKey: string, subscriberId: string, subjectId: string): void => {
    bySubscriber.get(key(appKey, subscriberId))?.delete(subjectId);
    const subscribers = bySubject.get(key(appKey, subjectId));
    subscribers?.delete(subscriberId);
    if (subscribers?.size === 0) bySubject.delete(key(appKey, subjectId));
  };

  return {
    subscribe: async (appKey, subscriberId, subjectIds, { now, expiresAt }, limits) => {
      const held = liveOf(appKey, subscriberId, now);
      const outcome = admitSubscriptions(subscriberId, new Set(held.keys()), subjectIds, (id) => new Set(subscribersAt(appKey, id, now).keys()), limits);
      if (!outcome.ok) return outcome;
      bySubscriber.set(key(appKey, subscriberId), held);
      for (const subjectId of subjectIds) {
        held.set(subjectId, { subjectId, subscribedAt: now, expiresAt });
        const k = key(appKey, subjectId);
        let subscribers = bySubject.get(k);
        if (!subscribers) bySubject.set(k, (subscribers = new Map()));
        subscribers.set(subscriberId, expiresAt);
      }
      return outcome;
    },
    unsubscribe: async (appKey, subscriberId, subjectIds) => {
      for (const subjectId of subjectIds) drop(appKey, subscriberId, subjectId);
      if (bySubscriber.get(key(appKey, subscriberId))?.size === 0) bySubscriber.delete(key(appKey, subscriberId));
    },
    subscriptionsOf: async (appKey, subscriberId, now) => [...liveOf(appKey, subscriberId, now).values()].map((s) => ({ ...s })),
    subscribersOf: async (appKey, subjectId, now) => [...subscribersAt(appKey, subjectId, now).keys()],
  };
}
