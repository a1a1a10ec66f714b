import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Bus, BusEvent } from '../bus.js';
import { statusSubscriptionContract } from '../../../test/support/status-subscription-contract.js';
import { createRedisBus } from './redis-bus.js';
import { redisStatusSubscriptions } from './redis-status-subscriptions.js';

const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
const buses: Bus[] = [];
afterAll(async () => {
  await Promise.all([...clients.map((c) => c.quit()), ...buses.map((b) => b.close())]);
});

statusSubscriptionContract('Redis', () => {
  const client = new Redis(REDIS_URL);
  clients.push(client);
  return redisStatusSubscriptions(client, `parley-test:${randomBytes(6).toString('hex')}:`);
});

describe('Redis bus status events', () => {
  it('carries a status change to the other nodes, and drops a malformed one', async () => {
    const keyPrefix = `parley-test:${randomBytes(6).toString('hex')}:`;
    const [a, b] = await Promise.all([createRedisBus(REDIS_URL, { keyPrefix }), createRedisBus(REDIS_URL, { keyPrefix })]);
    buses.push(a, b);
    const heard: BusEvent[] = [];
    b.subscribe((e) => heard.push(e));
    const change: BusEvent = { kind: 'user-status', appKey: 'k', userIds: ['alice'], status: { userId: 'bob', time: 5, platforms: [{ platform: 3, online: true }] } };
    const publisher = new Redis(REDIS_URL);
    clients.push(publisher);
    await publisher.publish(`${keyPrefix}events`, JSON.stringify({ ...change, status: { userId: 'bob', time: 5, platforms: [{ platform: '3', online: 1 }] } }));
    await a.publish(change);
    await vi.waitFor(() => expect(heard).toEqual([change]));
    // A subscription made through one node is seen by the other.
    await a.statusSubscriptions.subscribe('k', 'alice', ['bob'], { now: 1, expiresAt: 60_001 }, { perSubscriber: 10, perSubject: 10 });
    expect(await b.statusSubscriptions.subscribersOf('k', 'bob', 2)).toEqual(['alice']);
  });
});
