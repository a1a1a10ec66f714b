import { describe, expect, it } from 'vitest';
import { createLocalBus } from './local-bus.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('local bus', () => {
  it('token bucket allows the burst, then refills at its rate', async () => {
    const c = clock();
    const bus = createLocalBus(c.now);
    const take = () => bus.takeToken('k', 10, 3);
    expect([await take(), await take(), await take(), await take()]).toEqual([true, true, true, false]);
    c.advance(100);
    expect([await take(), await take()]).toEqual([true, false]);
    expect(await bus.takeToken('other', 10, 3)).toBe(true);
  });

  it('claims a key once until its time to live passes', async () => {
    const c = clock();
    const bus = createLocalBus(c.now);
    expect(await bus.claimOnce('n1', 1000)).toBe(true);
    expect(await bus.claimOnce('n1', 1000)).toBe(false);
    c.advance(999);
    expect(await bus.claimOnce('n1', 1000)).toBe(false);
    c.advance(1);
    expect(await bus.claimOnce('n1', 1000)).toBe(true);
  });

  it('tracks sessions per user and delivers published events to subscribers', async () => {
    const bus = createLocalBus();
    const entry = { sessionId: 's1', appKey: 'a', userId: 'u', platform: 'web' as const, deviceId: 'd', connectedAt: 1 };
    await bus.presence.add(entry);
    await bus.presence.add({ ...entry, sessionId: 's2', appKey: 'b' });
    expect(await bus.presence.sessionsOf('a', 'u')).toEqual([entry]);
    await bus.presence.remove('s1');
    expect(await bus.presence.sessionsOf('a', 'u')).toEqual([]);
    expect((await bus.presence.sessionsOf('b', 'u')).map((e) => e.sessionId)).toEqual(['s2']);

    const seen: unknown[] = [];
    const unsubscribe = bus.subscribe((e) => seen.push(e));
    await bus.publish({ kind: 'drop-user', appKey: 'a', userId: 'u', reason: 'user-blocked' });
    unsubscribe();
    await bus.publish({ kind: 'drop-user', appKey: 'a', userId: 'v', reason: 'user-blocked' });
    expect(seen).toEqual([{ kind: 'drop-user', appKey: 'a', userId: 'u', reason: 'user-blocked' }]);
  });

  it('lists live nodes least loaded first and forgets expired or withdrawn ones', async () => {
    const c = clock();
    const bus = createLocalBus(c.now);
    await bus.nodes.announce({ nodeId: 'a', address: 'h:1', protocol: 5, connections: 10 }, 1000);
    await bus.nodes.announce({ nodeId: 'b', address: 'h:2', protocol: 5, connections: 3 }, 3000);
    await bus.nodes.announce({ nodeId: 'c', address: 'h:3', protocol: 5, connections: 7 }, 3000);
    expect((await bus.nodes.live()).map((n) => n.nodeId)).toEqual(['b', 'c', 'a']);
    c.advance(1000);
    await bus.nodes.withdraw('c');
    expect((await bus.nodes.live()).map((n) => n.nodeId)).toEqual(['b']);
  });
});
