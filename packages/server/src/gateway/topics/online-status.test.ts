import { decodePayload, encodePayload, OnlinePlatform, Topic, type QrySubDataReq, type UpdateUserSubReq } from '@parley/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BusEvent, SessionEntry } from '../../bus/bus.js';
import { createLocalBus } from '../../bus/local/local-bus.js';
import { OnlineStatusService } from '../../core/online-status/online-status-service.js';
import { fakeContext } from '../../../test/support/topic-context.js';
import { onlineStatusTopics, statusPush } from './online-status.js';
import type { QueryAnswer } from './topic-handler.js';

const NOW = 1_700_000_000_000;
const LIMITS = { perRequest: 200, perSubscriber: 2, perSubject: 1, minExpirySeconds: 60, maxExpirySeconds: 2_592_000 } as const;

function setup() {
  const bus = createLocalBus(() => NOW);
  const events: BusEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const service = new OnlineStatusService(bus, pino({ enabled: false }), () => NOW, LIMITS);
  const topics = onlineStatusTopics(service);
  const query = (topic: string, payload: Uint8Array, userId = 'alice'): Promise<QueryAnswer> =>
    Promise.resolve(topics.queries![topic]!(payload, fakeContext({ now: NOW, session: { ...fakeContext().session, userId, sessionId: `s-${userId}` } })));
  const update = (request: Partial<UpdateUserSubReq> & { ids: string[] }, userId = 'alice') =>
    query(Topic.updUserSub, encodePayload('UpdateUserSubReq', { subType: 1, opType: 0, expiry: 600, ...request, subUsers: request.ids.map((subUserId) => ({ subUserId })) }), userId);
  const ask = (request: Partial<QrySubDataReq> & { ids: string[] }, userId = 'alice') =>
    query(Topic.qrySubData, encodePayload('QrySubDataReq', { subType: 1, ...request, subUsers: request.ids.map((subUserId) => ({ subUserId })) }), userId);
  return { bus, events, service, query, update, ask };
}

const session = (userId: string, platform: SessionEntry['platform'], connectedAt: number): SessionEntry => ({ sessionId: `${userId}-${platform}`, appKey: 'app', userId, platform, deviceId: 'd', connectedAt });

describe('online status topics', () => {
  it('subscribes, lists the subscriptions and answers the subscribed users’ status from presence', async () => {
    const { bus, update, ask, query, events } = setup();
    await bus.presence.add(session('bob', 'web', NOW - 5000));

    const subscribed = await update({ ids: ['bob', 'carol'] });
    expect(subscribed.status).toBe(0);
    expect(decodePayload('UpdateUserSubResp', subscribed.payload!).subTime).toBe(NOW);
    // The user's other devices are told to fetch the subscriptions again.
    expect(events).toContainEqual(expect.objectContaining({ kind: 'command', userIds: ['alice'], notifyType: 9, exceptSessionId: 's-alice' }));

    const relations = decodePayload('PUllUserSubResp', (await query(Topic.pullUserSub, encodePayload('PullUserSubReq', { version: 0 }))).payload!);
    expect(relations.isFull).toBe(true);
    expect(relations.list.map((l) => [l.subUsers[0]?.subUserId, l.subTime, l.expiry, l.subType]).sort()).toEqual([
      ['bob', NOW, 600, 1],
      ['carol', NOW, 600, 1],
    ]);

    const all = decodePayload('PullSubDataResp', (await query(Topic.pullSubData, encodePayload('PullSubDataReq', { needAllData: true }))).payload!);
    expect(all.isFull).toBe(true);
    const bob = all.list.find((d) => d.subUserId === 'bob');
    expect(bob?.data).toContainEqual({ platformInfo: OnlinePlatform.WEB, value: 1, versionTime: NOW - 5000 });
    expect(all.list.find((d) => d.subUserId === 'carol')?.data.every((d) => d.value === 0)).toBe(true);

    // Only subscribed users are answered: dave is left out, and no one is a friend.
    const some = decodePayload('PullSubDataResp', (await ask({ ids: ['bob', 'dave'] })).payload!);
    expect(some.list.map((d) => d.subUserId)).toEqual(['bob']);
    const friends = await ask({ ids: ['bob', 'dave'], subType: 3 });
    expect(friends.status).toBe(0);
    expect(decodePayload('PullSubDataResp', friends.payload!).list).toEqual([]);
  });

  it('unsubscribes', async () => {
    const { update, ask, service } = setup();
    await update({ ids: ['bob'] });
    expect((await update({ ids: ['bob'], opType: 1 })).status).toBe(0);
    expect(await service.subscriptions('app', 'alice')).toEqual([]);
    expect(decodePayload('PullSubDataResp', (await ask({ ids: ['bob'] })).payload!).list).toEqual([]);
  });

  it('refuses bad requests with 26010 and changes nothing', async () => {
    const { update, ask, service } = setup();
    expect((await update({ ids: ['bob'], subType: 2 })).status).toBe(26010);
    expect((await update({ ids: ['bob'], opType: 7 })).status).toBe(26010);
    expect((await update({ ids: ['bob'], expiry: 59 })).status).toBe(26010);
    expect((await update({ ids: [] })).status).toBe(26010);
    expect((await update({ ids: ['bad id!'] })).status).toBe(26010);
    expect((await ask({ ids: ['bob'], subType: 2 })).status).toBe(26010);
    expect((await ask({ ids: [] })).status).toBe(26010);
    expect((await ask({ ids: Array.from({ length: 201 }, (_, i) => `u${i}`) })).status).toBe(26010);
    expect(await service.subscriptions('app', 'alice')).toEqual([]);
  });

  it('answers the limits with RongCloud’s codes, naming users who have too many subscribers', async () => {
    const { update } = setup();
    expect((await update({ ids: ['u1', 'u2', 'u3'] })).status).toBe(26022);
    expect((await update({ ids: ['u1'] })).status).toBe(0);
    const full = await update({ ids: ['u1', 'u2'] }, 'bob');
    expect(full.status).toBe(26021);
    expect(decodePayload('UpdateUserSubResp', full.payload!).subUsers).toEqual([{ subUserId: 'u1' }]);
  });

  it('tells subscribers, and only them, when a platform goes online or offline', async () => {
    const { bus, update, service, events } = setup();
    await update({ ids: ['bob'] });
    events.length = 0;
    const web = session('bob', 'web', NOW);
    await bus.presence.add(web);
    await service.presenceChanged('app', 'bob', []);
    await bus.presence.add({ ...web, sessionId: 'another web' });
    await service.presenceChanged('app', 'bob', [web]);
    await bus.presence.add(session('carol', 'web', NOW));
    await service.presenceChanged('app', 'carol', []);
    expect(events).toEqual([{ kind: 'user-status', appKey: 'app', userIds: ['alice'], status: { userId: 'bob', time: NOW, platforms: [{ platform: OnlinePlatform.WEB, online: true }] } }]);

    const pushed = decodePayload('SubDataDetail', statusPush({ userId: 'bob', time: NOW, platforms: [{ platform: OnlinePlatform.PC, online: false }] }));
    expect(pushed).toEqual({ subUserId: 'bob', subType: 1, data: [{ platformInfo: OnlinePlatform.PC, value: 0, versionTime: NOW }] });
  });
});

describe('online status rate', () => {
  it('refuses subscription changes past ten in a burst with 20604', async () => {
    const { update } = setup();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await update({ ids: ['bob'], opType: i % 2 })).status);
    expect(statuses.slice(0, 10).every((s) => s === 0)).toBe(true);
    expect(statuses[10]).toBe(20604);
  });
});
