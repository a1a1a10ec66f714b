import { describe, expect, it } from 'vitest';
import type { StatusSubscriptionRegistry } from '../../src/bus/bus.js';

const LIMITS = { perSubscriber: 3, perSubject: 2 };
const T = 1_000_000;
const at = (now: number, ttlMs = 60_000) => ({ now, expiresAt: now + ttlMs });
const ids = (list: { subjectId: string }[]) => list.map((s) => s.subjectId).sort();

/**
 * What every StatusSubscriptionRegistry (bus/local, bus/redis) must do. `make` gives a registry
 * over empty state; each test uses apps and users of its own.
 */
export function statusSubscriptionContract(name: string, make: () => StatusSubscriptionRegistry): void {
  describe(`${name} status subscriptions`, () => {
    it('indexes a subscription both ways, with its times, and forgets it on unsubscribe', async () => {
      const r = make();
      expect(await r.subscribe('a1', 'alice', ['bob', 'carol'], at(T), LIMITS)).toEqual({ ok: true });
      expect((await r.subscriptionsOf('a1', 'alice', T + 1)).sort((x, y) => x.subjectId.localeCompare(y.subjectId))).toEqual([
        { subjectId: 'bob', subscribedAt: T, expiresAt: T + 60_000 },
        { subjectId: 'carol', subscribedAt: T, expiresAt: T + 60_000 },
      ]);
      expect(await r.subscribersOf('a1', 'bob', T + 1)).toEqual(['alice']);
      await r.unsubscribe('a1', 'alice', ['bob']);
      expect(ids(await r.subscriptionsOf('a1', 'alice', T + 1))).toEqual(['carol']);
      expect(await r.subscribersOf('a1', 'bob', T + 1)).toEqual([]);
    });

    it('keeps apps apart: the same user ids in another app are other users', async () => {
      const r = make();
      await r.subscribe('a2', 'alice', ['bob'], at(T), LIMITS);
      expect(await r.subscriptionsOf('a2-other', 'alice', T)).toEqual([]);
      expect(await r.subscribersOf('a2-other', 'bob', T)).toEqual([]);
    });

    it('stops returning a subscription once it expires, and a renewal moves its expiry', async () => {
      const r = make();
      await r.subscribe('a3', 'alice', ['bob'], at(T, 1000), LIMITS);
      expect(await r.subscribersOf('a3', 'bob', T + 999)).toEqual(['alice']);
      expect(await r.subscribersOf('a3', 'bob', T + 1000)).toEqual([]);
      expect(await r.subscriptionsOf('a3', 'alice', T + 1000)).toEqual([]);
      await r.subscribe('a3', 'alice', ['bob'], at(T + 500, 1000), LIMITS);
      expect(await r.subscriptionsOf('a3', 'alice', T + 1200)).toEqual([{ subjectId: 'bob', subscribedAt: T + 500, expiresAt: T + 1500 }]);
    });

    it("refuses, all or nothing, a subscribe past the subscriber's limit; renewals and expired ones do not count", async () => {
      const r = make();
      await r.subscribe('a4', 'alice', ['u1', 'u2'], at(T), LIMITS);
      expect(await r.subscribe('a4', 'alice', ['u3', 'u4'], at(T), LIMITS)).toEqual({ ok: false, reason: 'subscriber-full' });
      expect(ids(await r.subscriptionsOf('a4', 'alice', T))).toEqual(['u1', 'u2']);
      expect(await r.subscribersOf('a4', 'u3', T)).toEqual([]);
      expect(await r.subscribe('a4', 'alice', ['u1', 'u2', 'u3'], at(T), LIMITS)).toEqual({ ok: true });
      await r.subscribe('a4', 'bob', ['u1'], at(T, 10), LIMITS);
      await r.subscribe('a4', 'bob', ['u2', 'u3'], at(T), LIMITS);
      // bob's u1 expired: room for one more.
      expect(await r.subscribe('a4', 'bob', ['u4'], at(T + 10), LIMITS)).toEqual({ ok: true });
    });

    it('refuses a subscribe to a user who has as many subscribers as allowed, naming them', async () => {
      const r = make();
      await r.subscribe('a5', 's1', ['star', 'quiet'], at(T), LIMITS);
      await r.subscribe('a5', 's2', ['star'], at(T), LIMITS);
      expect(await r.subscribe('a5', 's3', ['quiet', 'star'], at(T), LIMITS)).toEqual({ ok: false, reason: 'subject-full', subjectIds: ['star'] });
      expect(await r.subscriptionsOf('a5', 's3', T)).toEqual([]);
      // One of its subscribers renewing is no new subscriber.
      expect(await r.subscribe('a5', 's2', ['star'], at(T), LIMITS)).toEqual({ ok: true });
    });

    it('takes user ids with characters that mean something in keys', async () => {
      const r = make();
      await r.subscribe('a6', 'al:ice', ['b%ob', 'c:arol'], at(T), LIMITS);
      expect(ids(await r.subscriptionsOf('a6', 'al:ice', T))).toEqual(['b%ob', 'c:arol']);
      expect(await r.subscribersOf('a6', 'c:arol', T)).toEqual(['al:ice']);
      await r.unsubscribe('a6', 'al:ice', ['c:arol']);
      expect(await r.subscribersOf('a6', 'c:arol', T)).toEqual([]);
    });
  });
}
