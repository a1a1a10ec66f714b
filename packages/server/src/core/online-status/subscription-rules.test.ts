import { OnlinePlatform } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { SessionEntry } from '../../bus/bus.js';
import { admitSubscriptions, changedPlatforms, checkSubjects, expiresAtOf, statusOf } from './subscription-rules.js';

const LIMITS = { perRequest: 3, perSubscriber: 4, perSubject: 2, minExpirySeconds: 60, maxExpirySeconds: 120 } as const;
const session = (sessionId: string, platform: SessionEntry['platform'], connectedAt = 10): SessionEntry => ({ sessionId, appKey: 'a', userId: 'u', platform, deviceId: sessionId, connectedAt });

describe('checkSubjects', () => {
  it('takes 1 to perRequest valid user ids and folds duplicates', () => {
    expect(checkSubjects(['a', 'b', 'a'], LIMITS)).toEqual({ ok: true, subjectIds: ['a', 'b'] });
    expect(checkSubjects([], LIMITS)).toEqual({ ok: false, status: 26010 });
    expect(checkSubjects(['a', 'b', 'c', 'd'], LIMITS)).toEqual({ ok: false, status: 26010 });
    expect(checkSubjects(['a', 'not valid!'], LIMITS)).toEqual({ ok: false, status: 26010 });
    expect(checkSubjects([undefined], LIMITS)).toEqual({ ok: false, status: 26010 });
  });
});

describe('expiresAtOf', () => {
  it('turns whole seconds within the range into an instant, and refuses anything else', () => {
    expect(expiresAtOf(60, 1000, LIMITS)).toBe(61_000);
    expect(expiresAtOf(120, 0, LIMITS)).toBe(120_000);
    for (const bad of [59, 121, 60.5, undefined, Number.NaN]) expect(expiresAtOf(bad, 0, LIMITS)).toBeUndefined();
  });
});

describe('admitSubscriptions', () => {
  const none = () => new Set<string>();
  it('counts only new subjects against the subscriber limit', () => {
    const held = new Set(['a', 'b', 'c']);
    expect(admitSubscriptions('me', held, ['a', 'b', 'c', 'd'], none, LIMITS)).toEqual({ ok: true });
    expect(admitSubscriptions('me', held, ['d', 'e'], none, LIMITS)).toEqual({ ok: false, reason: 'subscriber-full' });
  });

  it('names the subjects that have as many other subscribers as allowed', () => {
    const subscribers = (id: string) => new Set(id === 'star' ? ['x', 'y'] : id === 'mine' ? ['me', 'x'] : []);
    expect(admitSubscriptions('me', new Set(), ['star', 'quiet'], subscribers, LIMITS)).toEqual({ ok: false, reason: 'subject-full', subjectIds: ['star'] });
    expect(admitSubscriptions('me', new Set(['mine']), ['mine'], subscribers, LIMITS)).toEqual({ ok: true });
  });
});

describe('statusOf and changedPlatforms', () => {
  it('reports every platform, online since its earliest session or offline as of now', () => {
    expect(statusOf([session('s1', 'web', 30), session('s2', 'web', 20), session('s3', 'mobile', 5)], 99)).toEqual([
      { platform: OnlinePlatform.OTHER, online: true, time: 5 },
      { platform: OnlinePlatform.WEB, online: true, time: 20 },
      { platform: OnlinePlatform.PC, online: false, time: 99 },
    ]);
  });

  it('sees a change only when a platform gains its first session or loses its last', () => {
    const web1 = session('s1', 'web');
    const web2 = session('s2', 'web');
    const desk = session('s3', 'desktop');
    expect(changedPlatforms([], [web1])).toEqual([{ platform: OnlinePlatform.WEB, online: true }]);
    expect(changedPlatforms([web1], [web1, web2])).toEqual([]);
    expect(changedPlatforms([web1, web2], [web2])).toEqual([]);
    expect(changedPlatforms([web2, desk], [desk])).toEqual([{ platform: OnlinePlatform.WEB, online: false }]);
    // A desktop login displacing the other desktop changes nothing.
    expect(changedPlatforms([desk], [session('s4', 'desktop')])).toEqual([]);
  });
});
