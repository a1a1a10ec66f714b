import type { Redis } from 'ioredis';
import type { StatusSubscriptionRegistry } from '../bus.js';

/**
 * Adds or renews a subscriber's subscriptions, all or none, in one step so that two nodes cannot
 * both pass a limit. Each side is a sorted set scored by expiry; the subscriber's subscription times
 * sit in a hash beside it. Subject keys are derived here (one Redis, not Redis Cluster: see README).
 * KEYS: subscriber's set, subscriber's times. ARGV: now, expiresAt, perSubscriber, perSubject,
 * subject key prefix, subscriber id, subject ids... Returns {0}, {1} (subscriber full) or {2, ids...}.
 */
const SUBSCRIBE = `
local now, expiresAt = tonumber(ARGV[1]), tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(expired) do redis.call('HDEL', KEYS[2], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local added = {}
for i = 7, #ARGV do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then table.insert(added, ARGV[i]) end
end
if redis.call('ZCARD', KEYS[1]) + #added > tonumber(ARGV[3]) then return {1} end
local full = {2}
for _, id in ipairs(added) do
  local subject = ARGV[5] .. id
  redis.call('ZREMRANGEBYSCORE', subject, '-inf', now)
  if redis.call('ZCARD', subject) >= tonumber(ARGV[4]) then table.insert(full, id) end
end
if #full > 1 then return full end
local ttl = expiresAt - now
for i = 7, #ARGV do
  local subject = ARGV[5] .. ARGV[i]
  redis.call('ZADD', KEYS[1], expiresAt, ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], now)
  redis.call('ZADD', subject, expiresAt, ARGV[6])
  if redis.call('PTTL', subject) < ttl then redis.call('PEXPIRE', subject, ttl) end
end
for _, k in ipairs(KEYS) do
  if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end
end
return {0}`;

type SubscribingRedis = Redis & {
  parleyStatusSubscribe(subscriberSet: string, subscriberTimes: string, ...args: (string | number)[]): Promise<(string | number)[]>;
};

/** Status subscriptions in Redis, shared by every node (the cluster's twin of local-status-subscriptions.ts). */
export function redisStatusSubscriptions(client: Redis, prefix: string): StatusSubscriptionRegistry {
  client.defineCommand('parleyStatusSubscribe', { numberOfKeys: 2, lua: SUBSCRIBE });
  const scripted = client as SubscribingRedis;
  const user = (appKey: string, userId: string) => `${encodeURIComponent(appKey)}:${encodeURIComponent(userId)}`;
  const subscriberSet = (appKey: string, userId: string) => `${prefix}status-subs:${user(appKey, userId)}`;
  const subscriberTimes = (appKey: string, userId: string) => `${prefix}status-sub-times:${user(appKey, userId)}`;
  const subjectPrefix = (appKey: string) => `${prefix}status-subscribers:${encodeURIComponent(appKey)}:`;
  const subjectSet = (appKey: string, userId: string) => subjectPrefix(appKey) + encodeURIComponent(userId);

  return {
    subscribe: async (appKey, subscriberId, subjectIds, { now, expiresAt }, limits) => {
      const raw = await scripted.parleyStatusSubscribe(
        subscriberSet(appKey, subscriberId),
        subscriberTimes(appKey, subscriberId),
        now,
        expiresAt,
        limits.perSubscriber,
        limits.perSubject,
        subjectPrefix(appKey),
        subscriberId,
        // The script appends each id to the subject prefix, so it gets them encoded as the keys are.
        ...subjectIds.map(encodeURIComponent),
      );
      if (raw[0] === 1) return { ok: false, reason: 'subscriber-full' };
      if (raw[0] === 2) return { ok: false, reason: 'subject-full', subjectIds: raw.slice(1).map((id) => decodeURIComponent(String(id))) };
      return { ok: true };
    },
    unsubscribe: async (appKey, subscriberId, subjectIds) => {
      const encoded = subjectIds.map(encodeURIComponent);
      const multi = client.multi().zrem(subscriberSet(appKey, subscriberId), ...encoded).hdel(subscriberTimes(appKey, subscriberId), ...encoded);
      for (const subjectId of subjectIds) multi.zrem(subjectSet(appKey, subjectId), subscriberId);
      for (const [error] of (await multi.exec()) ?? []) if (error) throw error;
    },
    subscriptionsOf: async (appKey, subscriberId, now) => {
      const scored = await client.zrangebyscore(subscriberSet(appKey, subscriberId), `(${now}`, '+inf', 'WITHSCORES');
      const ids: string[] = [];
      const expiries: number[] = [];
      for (let i = 0; i + 1 < scored.length; i += 2) {
        ids.push(scored[i] as string);
        expiries.push(Number(scored[i + 1]));
      }
      if (ids.length === 0) return [];
      const times = await client.hmget(subscriberTimes(appKey, subscriberId), ...ids);
      return ids.map((id, i) => ({ subjectId: decodeURIComponent(id), subscribedAt: Number(times[i] ?? now), expiresAt: expiries[i] as number }));
    },
    subscribersOf: async (appKey, subjectId, now) => client.zrangebyscore(subjectSet(appKey, subjectId), `(${now}`, '+inf'),
  };
}
