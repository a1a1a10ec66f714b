import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus, BusEvent, SessionEntry } from '../bus.js';
import { createRedisBus, type RedisBusOptions } from './redis-bus.js';

const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function entry(sessionId: string, overrides: Partial<SessionEntry> = {}): SessionEntry {
  return { sessionId, appKey: 'a', userId: 'u', platform: 'web', deviceId: `device-${sessionId}`, connectedAt: 1, ...overrides };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it stops throwing, or rethrows its last failure after `timeoutMs`. */
const eventually = (check: () => Promise<void> | void, timeoutMs = 3000) => vi.waitFor(check, { timeout: timeoutMs, interval: 25 });

async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  await work().catch(() => undefined);
  return Date.now() - start;
}

/**
 * A TCP relay to Redis that a test can cut (the node's network is gone) or freeze (connections stay
 * open but nothing passes, like a half-open connection). Connections made after a freeze pass.
 */
async function startRelay(target: URL) {
  const pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean; subscribed: boolean }>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        const pair = { client, upstream, frozen: false, subscribed: false };
        pairs.add(pair);
        client.on('data', (data) => {
          if (data.toString('latin1').toUpperCase().includes('SUBSCRIBE')) pair.subscribed = true;
          if (!pair.frozen) upstream.write(data);
        });
        upstream.on('data', (data) => {
          if (!pair.frozen) client.write(data);
        });
        const end = () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        };
        client.on('close', end).on('error', end);
        upstream.on('close', end).on('error', end);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve((s.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);
  return {
    url: `redis://127.0.0.1:${port}`,
    /** Every connection through the relay drops, and new ones are refused. */
    cut: async () => {
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
      });
    },
    restore: async () => {
      await listen(port);
    },
    freeze: (which: 'all' | 'subscribers') => {
      for (const pair of pairs) if (which === 'all' || pair.subscribed) pair.frozen = true;
    },
    stop: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

let cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** A raw connection for looking at keys behind the bus's back. */
async function rawRedis(): Promise<Redis> {
  const raw = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await raw.connect();
  cleanups.push(async () => void (await raw.quit()));
  return raw;
}

/** A fresh key prefix whose keys are deleted after the test. */
function testPrefix(): string {
  const prefix = `parley-test:${randomBytes(6).toString('hex')}:`;
  cleanups.unshift(async () => {
    const raw = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    for (let round = 0; round < 1000; round++) {
      const [next, found] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (found.length > 0) await raw.del(...found);
      cursor = next;
      if (cursor === '0') break;
    }
    await raw.quit();
  });
  return prefix;
}

async function openBus(options: RedisBusOptions & { url?: string } = {}): Promise<Bus> {
  const bus = await createRedisBus(options.url ?? REDIS_URL, { keyPrefix: testPrefix(), ...options });
  cleanups.push(() => bus.close());
  return bus;
}

/** Two buses on one prefix, each with its own connections: two nodes of one cluster. */
async function openPair(options: RedisBusOptions = {}, urlOfFirst?: string): Promise<[Bus, Bus]> {
  const keyPrefix = options.keyPrefix ?? testPrefix();
  const first = await openBus({ ...options, keyPrefix, url: urlOfFirst });
  const second = await openBus({ ...options, keyPrefix });
  return [first, second];
}

function record(bus: Bus): BusEvent[] {
  const seen: BusEvent[] = [];
  bus.subscribe((event) => seen.push(event));
  return seen;
}

const dropUser = (userId: string): BusEvent => ({ kind: 'drop-user', appKey: 'a', userId, reason: 'user-blocked' });

describe('redis bus', () => {
  it('token bucket allows the burst, then refills at its rate', async () => {
    const c = clock();
    const bus = await openBus({ now: c.now });
    const take = () => bus.takeToken('k', 10, 3);
    expect([await take(), await take(), await take(), await take()]).toEqual([true, true, true, false]);
    c.advance(100);
    expect([await take(), await take()]).toEqual([true, false]);
    expect(await bus.takeToken('other', 10, 3)).toBe(true);
  });

  it('answers each of the token takes and publishes made in one turn (sent together) on its own, in order', async () => {
    const c = clock();
    const [a, b] = await openPair({ now: c.now });
    const seen = record(b);
    // Ten takes of one turn share a burst of three; the takes of another bucket in the same turn are not affected.
    const takes = await Promise.all([...Array.from({ length: 10 }, () => a.takeToken('k', 10, 3)), a.takeToken('other', 10, 1)]);
    expect(takes).toEqual([true, true, true, false, false, false, false, false, false, false, true]);
    const events = Array.from({ length: 20 }, (_, i) => dropUser(`u${i}`));
    await Promise.all(events.map((event) => a.publish(event)));
    await eventually(() => expect(seen).toEqual(events));
  });

  it('shares a token bucket between nodes, and forgets it once it would be full again', async () => {
    const clockOfA = clock();
    const clockOfB = clock();
    const keyPrefix = testPrefix();
    const a = await openBus({ keyPrefix, now: clockOfA.now });
    const b = await openBus({ keyPrefix, now: clockOfB.now });
    expect([await a.takeToken('k', 2, 2), await b.takeToken('k', 2, 2), await a.takeToken('k', 2, 2)]).toEqual([true, true, false]);
    const raw = await rawRedis();
    // Empty at 2 tokens a second: full again after a second, kept one more as a margin.
    expect(await raw.pttl(`${keyPrefix}bucket:k`)).toBeGreaterThan(1000);
    expect(await raw.pttl(`${keyPrefix}bucket:k`)).toBeLessThanOrEqual(2000);

    clockOfA.advance(500);
    expect(await a.takeToken('k', 2, 2)).toBe(true);
    // b's clock lags 400 ms behind a's: its take must not move the bucket's time back, or a would
    // be credited the same 400 ms twice.
    clockOfB.advance(100);
    expect(await b.takeToken('k', 2, 2)).toBe(false);
    clockOfA.advance(100);
    expect(await a.takeToken('k', 2, 2)).toBe(false);
    clockOfA.advance(400);
    expect(await a.takeToken('k', 2, 2)).toBe(true);
  });

  it('claims a key once until its time to live passes', async () => {
    const [a, b] = await openPair();
    expect(await a.claimOnce('n1', 300)).toBe(true);
    expect(await a.claimOnce('n1', 300)).toBe(false);
    expect(await b.claimOnce('n1', 300)).toBe(false);
    expect(await b.claimOnce('n2', 300)).toBe(true);
    await sleep(350);
    expect(await b.claimOnce('n1', 300)).toBe(true);
  });

  it('tracks sessions per user', async () => {
    const bus = await openBus();
    const s1 = entry('s1');
    await bus.presence.add(s1);
    await bus.presence.add(entry('s2', { appKey: 'b' }));
    expect(await bus.presence.sessionsOf('a', 'u')).toEqual([s1]);
    await bus.presence.remove('s1');
    expect(await bus.presence.sessionsOf('a', 'u')).toEqual([]);
    expect((await bus.presence.sessionsOf('b', 'u')).map((e) => e.sessionId)).toEqual(['s2']);
    await bus.presence.remove('never-added');
  });

  it('keeps users apart whatever characters their ids hold', async () => {
    const bus = await openBus();
    await bus.presence.add(entry('s1', { appKey: 'x:y', userId: 'z' }));
    await bus.presence.add(entry('s2', { appKey: 'x', userId: 'y:z' }));
    expect((await bus.presence.sessionsOf('x:y', 'z')).map((e) => e.sessionId)).toEqual(['s1']);
    expect((await bus.presence.sessionsOf('x', 'y:z')).map((e) => e.sessionId)).toEqual(['s2']);
  });

  it('delivers published events to subscribers once, until they unsubscribe', async () => {
    const bus = await openBus();
    const seen: BusEvent[] = [];
    const unsubscribe = bus.subscribe((e) => seen.push(e));
    const alwaysSeen = record(bus);
    await bus.publish(dropUser('u'));
    await eventually(() => expect(seen).toEqual([dropUser('u')]));
    unsubscribe();
    await bus.publish(dropUser('v'));
    await eventually(() => expect(alwaysSeen).toEqual([dropUser('u'), dropUser('v')]));
    expect(seen).toEqual([dropUser('u')]);
  });

  it('ignores malformed events and survives a failing listener', async () => {
    const keyPrefix = testPrefix();
    const bus = await openBus({ keyPrefix });
    bus.subscribe(() => {
      throw new Error('listener bug');
    });
    const seen = record(bus);
    const raw = await rawRedis();
    const junks = [
      'not json',
      '{"kind":"reboot-the-world"}',
      '{"kind":"inbox","appKey":"a","notices":"many"}',
      '{"kind":"drop-session","reason":"kicked"}',
      '{"kind":"drop-session","sessionId":"s3","reason":"bored"}',
      '{"kind":"app-changed"}',
      '{"kind":"command","appKey":"a","userIds":["u"],"notifyType":"12","time":1}',
      '{"kind":"live-message","appKey":"a","userIds":["u"],"message":{"senderId":"s"}}',
    ];
    for (const junk of junks) await raw.publish(`${keyPrefix}events`, junk);
    const inbox: BusEvent = { kind: 'inbox', appKey: 'a', notices: [{ userId: 'u', cursor: 7 }], exceptSessionId: 's1' };
    const valid: BusEvent[] = [
      inbox,
      { kind: 'drop-session', sessionId: 's2', reason: 'kicked' },
      { kind: 'drop-user', appKey: 'a', userId: 'u', reason: 'app-secret-rotated' },
      { kind: 'app-changed', appKey: 'a' },
      { kind: 'command', appKey: 'a', userIds: ['u', 'v'], notifyType: 12, time: 99, exceptSessionId: 's1' },
      {
        kind: 'live-message',
        appKey: 'a',
        userIds: ['u'],
        message: { senderId: 's', conversationType: 1, targetId: 'u', objectName: 'RC:TypSts', content: '{}', sentTime: 5, flags: 0 },
      },
    ];
    for (const event of valid) await bus.publish(event);
    await eventually(() => expect(seen).toEqual(valid));
  });

  it('lets two nodes see each other’s sessions and events, each event once', async () => {
    const [a, b] = await openPair();
    const seenByA = record(a);
    const seenByB = record(b);
    await a.presence.add(entry('sa', { connectedAt: 2 }));
    await b.presence.add(entry('sb', { connectedAt: 1 }));
    for (const bus of [a, b]) expect((await bus.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['sb', 'sa']);

    // A connect on node b displaces a's session, as the session service does.
    await b.presence.remove('sa');
    expect((await a.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['sb']);

    const published = ['1', '2', '3'].flatMap((n) => [dropUser(`from-a-${n}`), dropUser(`from-b-${n}`)]);
    for (const [i, event] of published.entries()) await (i % 2 === 0 ? a : b).publish(event);
    const sorted = (events: BusEvent[]) => events.map((e) => JSON.stringify(e)).sort();
    await eventually(() => {
      expect(sorted(seenByA)).toEqual(sorted(published));
      expect(sorted(seenByB)).toEqual(sorted(published));
    });
    // Events of one node arrive in the order it published them.
    expect(seenByB.filter((e) => e.kind === 'drop-user' && e.userId.startsWith('from-a'))).toEqual(published.filter((_, i) => i % 2 === 0));
    await sleep(100);
    expect(seenByA).toHaveLength(published.length);
  });

  it('lets the sessions of a node that stopped refreshing expire, dropping them from the user index', async () => {
    const relay = await startRelay(new URL(REDIS_URL));
    cleanups.push(relay.stop);
    const keyPrefix = testPrefix();
    const [crashing, survivor] = await openPair({ keyPrefix, sessionTtlMs: 1000 }, relay.url);
    await crashing.presence.add(entry('gone'));
    await survivor.presence.add(entry('stays', { connectedAt: 2 }));
    expect((await survivor.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['gone', 'stays']);

    await relay.cut();
    // Longer than the TTL: the survivor's own refreshes keep its session and the index alive.
    await sleep(1500);
    expect((await survivor.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['stays']);
    const raw = await rawRedis();
    expect(await raw.smembers(`${keyPrefix}user-sessions:a:u`)).toEqual(['stays']);
    expect(await elapsedMs(() => crashing.close())).toBeLessThan(1000);
  });

  it('works degraded while Redis is unreachable and heals when it is back', async () => {
    const relay = await startRelay(new URL(REDIS_URL));
    cleanups.push(relay.stop);
    const [cutOff, other] = await openPair({ sessionTtlMs: 30_000 }, relay.url);
    const seen = record(cutOff);
    await relay.cut();
    await eventually(async () => expect(await cutOff.presence.sessionsOf('a', 'u').then(() => 'answered', () => 'failed')).toBe('failed'));

    // Fails fast rather than hanging; rate limits fail open; presence changes wait for Redis.
    expect(await elapsedMs(() => cutOff.presence.sessionsOf('a', 'u'))).toBeLessThan(200);
    await expect(cutOff.publish(dropUser('x'))).rejects.toThrow();
    await expect(cutOff.claimOnce('n', 1000)).rejects.toThrow();
    expect(await Promise.all([1, 2, 3].map(() => cutOff.takeToken('k', 1, 1)))).toEqual([true, true, true]);
    await cutOff.presence.add(entry('during-outage'));
    await cutOff.presence.remove('during-outage');
    await cutOff.presence.add(entry('opened-during-outage'));

    await relay.restore();
    // Reconnection rewrites the node's sessions at once, without waiting for the refresh period.
    await eventually(async () => expect((await other.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['opened-during-outage']), 2000);
    await eventually(async () => {
      await other.publish(dropUser('after'));
      expect(seen).toContainEqual(dropUser('after'));
    });
    expect(seen.filter((e) => e.kind === 'drop-user' && e.userId === 'x')).toEqual([]);
  });

  it('replaces connections that stop answering without closing', async () => {
    const relay = await startRelay(new URL(REDIS_URL));
    cleanups.push(relay.stop);
    const [stuck, other] = await openPair({ sessionTtlMs: 900, commandTimeoutMs: 300 }, relay.url);
    const seen = record(stuck);
    await stuck.presence.add(entry('s'));

    relay.freeze('subscribers');
    await other.publish(dropUser('lost'));
    await eventually(async () => {
      await other.publish(dropUser('found'));
      expect(seen).toContainEqual(dropUser('found'));
    });

    relay.freeze('all');
    expect(await elapsedMs(() => stuck.presence.sessionsOf('a', 'u'))).toBeLessThan(600);
    await eventually(async () => expect((await stuck.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['s']));
    await eventually(async () => expect((await other.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['s']));
    const before = seen.length;
    await eventually(async () => {
      await other.publish(dropUser('found again'));
      expect(seen.slice(before)).toContainEqual(dropUser('found again'));
    });
  });

  it('closes promptly even when Redis stops answering', async () => {
    const relay = await startRelay(new URL(REDIS_URL));
    cleanups.push(relay.stop);
    const bus = await openBus({ url: relay.url, commandTimeoutMs: 300 });
    await bus.presence.add(entry('s'));
    relay.freeze('all');
    expect(await elapsedMs(() => bus.close())).toBeLessThan(1000);
  });

  it('does not let a refresh in flight bring back a session removed meanwhile', async () => {
    // At this TTL the 3000 sessions are being refreshed almost all the time, and a session brought
    // back lives 30 ms: the check right after the removals would see it.
    const [a, b] = await openPair({ sessionTtlMs: 30 });
    const ids = Array.from({ length: 3000 }, (_, i) => `s${i}`);
    await Promise.all(ids.map((id) => a.presence.add(entry(id))));
    await sleep(50);
    await Promise.all(ids.map((id) => a.presence.remove(id)));
    expect(await b.presence.sessionsOf('a', 'u')).toEqual([]);
  });

  it('rewrites whole session entries on refresh, so presence heals after Redis lost its keys', async () => {
    const keyPrefix = testPrefix();
    const [a, b] = await openPair({ keyPrefix, sessionTtlMs: 600 });
    await a.presence.add(entry('s'));
    const raw = await rawRedis();
    await raw.del(`${keyPrefix}session:s`, `${keyPrefix}user-sessions:a:u`);
    expect(await b.presence.sessionsOf('a', 'u')).toEqual([]);
    await eventually(async () => expect(await b.presence.sessionsOf('a', 'u')).toEqual([entry('s')]), 400);
  });

  it('removes its own sessions when closed, and closes once', async () => {
    const [a, b] = await openPair();
    await a.presence.add(entry('s1'));
    await a.presence.add(entry('s2'));
    await b.presence.add(entry('s3'));
    await a.close();
    expect((await b.presence.sessionsOf('a', 'u')).map((e) => e.sessionId)).toEqual(['s3']);
    await a.close();
  });

  it('lists live nodes least loaded first and forgets expired or withdrawn ones', async () => {
    const c = clock();
    const keyPrefix = testPrefix();
    const [bus, otherNode] = await openPair({ keyPrefix, now: c.now });
    await bus.nodes.announce({ nodeId: 'a', address: 'h:1', protocol: 5, connections: 10 }, 1000);
    await otherNode.nodes.announce({ nodeId: 'b', address: 'h:2', protocol: 5, connections: 3 }, 3000);
    await bus.nodes.announce({ nodeId: 'c', address: 'h:3', protocol: 6, connections: 7 }, 3000);
    expect((await otherNode.nodes.live()).map((n) => n.nodeId)).toEqual(['b', 'c', 'a']);
    expect((await bus.nodes.live())[1]).toEqual({ nodeId: 'c', address: 'h:3', protocol: 6, connections: 7 });
    c.advance(1000);
    await bus.nodes.withdraw('c');
    expect((await bus.nodes.live()).map((n) => n.nodeId)).toEqual(['b']);
    const raw = await rawRedis();
    expect(await raw.zrange(`${keyPrefix}nodes`, 0, -1)).toEqual(['b']);
    expect(await raw.hkeys(`${keyPrefix}node-info`)).toEqual(['b']);
    // A fresh announcement brings a node back with its new load.
    await bus.nodes.announce({ nodeId: 'a', address: 'h:1', protocol: 5, connections: 1 }, 1000);
    expect((await otherNode.nodes.live()).map((n) => n.nodeId)).toEqual(['a', 'b']);
  });

  it('refuses to start when Redis cannot be reached', async () => {
    const relay = await startRelay(new URL(REDIS_URL));
    await relay.stop();
    await expect(createRedisBus(relay.url, { keyPrefix: testPrefix() })).rejects.toThrow();
  });
});
