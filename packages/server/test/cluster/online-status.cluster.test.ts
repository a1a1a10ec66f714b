import { decodePayload, encodePayload, OnlinePlatform, Topic } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { TestCluster } from './cluster-support.js';

/**
 * Online status subscriptions across two `parley serve` processes: the subscriber on one node, the
 * user they watch on the other. Subscriptions and presence are in Redis, the change crosses as a
 * bus event and reaches the subscriber as `s_stat`.
 */
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(2);
}, 60_000);
afterEach(() => cluster.closeRawDevices());
afterAll(async () => {
  await cluster?.stop();
});

const deviceOn = (node: number, userId: string) => cluster.rawDevice(node, userId);

const query = (client: RawClient, topic: string, payload: Uint8Array) => client.query(topic, '', payload);

const statusPush = (client: RawClient, userId: string, online: boolean) =>
  client.nextFrame((f) => {
    if (f.type !== 'PUBLISH' || f.topic !== Topic.s_stat) return false;
    const detail = decodePayload('SubDataDetail', f.payload);
    return detail.subUserId === userId && detail.data.some((d) => d.platformInfo === OnlinePlatform.PC && d.value === (online ? 1 : 0));
  });

describe('online status across nodes', () => {
  it('tells a subscriber on one node when a user on the other comes online and goes offline, and answers their status', async () => {
    const alice = await deviceOn(0, 'cl-alice');
    const subscribed = await query(alice, Topic.updUserSub, encodePayload('UpdateUserSubReq', { subType: 1, opType: 0, expiry: 600, subUsers: [{ subUserId: 'cl-bob' }] }));
    expect(subscribed.status).toBe(0);

    const online = statusPush(alice, 'cl-bob', true);
    const bob = await deviceOn(1, 'cl-bob');
    await online;
    const answer = await query(alice, Topic.qrySubData, encodePayload('QrySubDataReq', { subType: 1, subUsers: [{ subUserId: 'cl-bob' }] }));
    expect(decodePayload('PullSubDataResp', answer.payload).list[0]?.data).toContainEqual(expect.objectContaining({ platformInfo: OnlinePlatform.PC, value: 1 }));

    const offline = statusPush(alice, 'cl-bob', false);
    bob.close();
    await offline;

    // The subscription is on the other node too: a device of alice's there gets it at connect.
    const second = await deviceOn(1, 'cl-alice');
    const relations = decodePayload('PUllUserSubResp', (await query(second, Topic.pullUserSub, encodePayload('PullUserSubReq', {}))).payload);
    expect(relations.list.map((l) => l.subUsers[0]?.subUserId)).toEqual(['cl-bob']);
  });
});
