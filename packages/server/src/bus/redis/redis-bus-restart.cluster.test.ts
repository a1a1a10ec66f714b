import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { restartRedis } from '../../../test/support/redis-restart.js';
import type { Bus, BusEvent, SessionEntry } from '../bus.js';
import { createRedisBus } from './redis-bus.js';

// Restarts the shared Redis at 127.0.0.1:6379: run apart from other tests that use it.
const REDIS_URL = 'redis://127.0.0.1:6379';
const SESSION_TTL_MS = 3000;
const REFRESH_INTERVAL_MS = SESSION_TTL_MS / 3;
/** ioredis's reconnect backoff, as configured by the bus, at its longest. */
const MAX_RECONNECT_DELAY_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it stops throwing, or rethrows its last failure after `timeoutMs`. */
const eventually = (check: () => Promise<void> | void, timeoutMs: number) => vi.waitFor(check, { timeout: timeoutMs, interval: 25 });

function entry(sessionId: string): SessionEntry {
  return { sessionId, appKey: 'a', userId: 'u', platform: 'web', deviceId: sessionId, connectedAt: sessionId === 'sa' ? 1 : 2 };
}

const dropUser = (userId: string): BusEvent => ({ kind: 'drop-user', appKey: 'a', userId, reason: 'kicked' });

let buses: Bus[] = [];

afterEach(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
  buses = [];
});

describe('redis bus across a Redis restart', () => {
  it('heals presence within a refresh interval and delivers events again, each once', async () => {
    const keyPrefix = `parley-test:${randomBytes(6).toString('hex')}:`;
    const open = async () => {
      const bus = await createRedisBus(REDIS_URL, { keyPrefix, sessionTtlMs: SESSION_TTL_MS });
      buses.push(bus);
      return bus;
    };
    const [a, b] = [await open(), await open()];
    const seenByA: BusEvent[] = [];
    const seenByB: BusEvent[] = [];
    a.subscribe((e) => seenByA.push(e));
    b.subscribe((e) => seenByB.push(e));
    await a.presence.add(entry('sa'));
    await b.presence.add(entry('sb'));
    expect(await a.claimOnce('nonce', 60_000)).toBe(true);

    await restartRedis();
    const backAt = Date.now();

    await eventually(async () => {
      for (const bus of [a, b]) expect((await bus.presence.sessionsOf('a', 'u')).map((s) => s.sessionId)).toEqual(['sa', 'sb']);
    }, REFRESH_INTERVAL_MS + MAX_RECONNECT_DELAY_MS);
    const healedAfterMs = Date.now() - backAt;

    for (const [from, to, seen] of [[a, 'b', seenByB], [b, 'a', seenByA]] as const) {
      await eventually(async () => {
        await from.publish(dropUser(`to-${to}`));
        expect(seen).toContainEqual(dropUser(`to-${to}`));
      }, 3000);
    }
    const flowingAfterMs = Date.now() - backAt;
    // Each bus told its listener, once, that events may have been lost while it was away.
    for (const seen of [seenByA, seenByB]) expect(seen.filter((e) => e.kind === 'resync')).toHaveLength(1);

    const marker = dropUser('once');
    await a.publish(marker);
    await eventually(() => expect(seenByB).toContainEqual(marker), 1000);
    await sleep(200);
    for (const seen of [seenByA, seenByB]) expect(seen.filter((e) => JSON.stringify(e) === JSON.stringify(marker))).toHaveLength(1);

    // The restart forgot claims and buckets: both start over rather than fail.
    expect(await b.claimOnce('nonce', 60_000)).toBe(true);
    expect(await b.takeToken('k', 1, 1)).toBe(true);
    expect(await a.takeToken('k', 1, 1)).toBe(false);
    console.info(`redis restart: presence healed after ${healedAfterMs} ms, events flowing after ${flowingAfterMs} ms`);

    await Promise.all(buses.map((bus) => bus.close()));
    buses = [];
    const raw = new Redis(REDIS_URL);
    const left = await raw.keys(`${keyPrefix}*`);
    if (left.length > 0) await raw.del(...left);
    await raw.quit();
    // Closing removed both nodes' sessions; what remains is the claim and the bucket.
    expect(left.map((key) => key.slice(keyPrefix.length)).sort()).toEqual(['bucket:k', 'claim:nonce']);
  });
});
