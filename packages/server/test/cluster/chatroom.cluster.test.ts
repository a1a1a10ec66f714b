import { decodePayload, encodePayload, NotifyType, Topic } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { TestCluster } from './cluster-support.js';

/**
 * One chatroom with members on two `parley serve` processes: each node keeps a replica of the
 * rooms, changed by events on the Redis bus, and notifies its own members.
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

const query = (client: RawClient, topic: string, roomId: string, payload: Uint8Array) => client.query(topic, roomId, payload);

const notice = (client: RawClient, topic: string, type: number) =>
  client.nextFrame((f) => f.type === 'PUBLISH' && f.topic === topic && decodePayload('NotifyMsg', f.payload).type === type && decodePayload('NotifyMsg', f.payload).chrmId === 'cl-room');

describe('chatrooms across nodes', () => {
  it('carries joins, messages and key-values between members on different nodes', async () => {
    const alice = await deviceOn(0, 'clr-alice');
    const bob = await deviceOn(1, 'clr-bob');
    const join = encodePayload('ChrmInput', { nothing: 1 });
    expect((await query(alice, Topic.joinChrm, 'cl-room', join)).status).toBe(0);
    // The room made on node 0 is known on node 1 once the event arrives.
    await expect.poll(async () => (await query(bob, Topic.joinChrmR, 'cl-room', join)).status).toBe(0);
    // Node 0 counts the member who joined on node 1.
    const infoQuery = encodePayload('QueryChatRoomInfoInput', { count: 5, order: 1 });
    await expect.poll(async () => decodePayload('QueryChatRoomInfoOutput', (await query(alice, Topic.queryChrmI, 'cl-room', infoQuery)).payload).userTotalNums).toBe(2);

    const arrived = notice(bob, Topic.s_ntf, NotifyType.CHATROOM);
    const messageId = 1000;
    alice.send({ type: 'PUBLISH', header: { qos: 1 }, topic: Topic.chatMsg, targetId: 'cl-room', messageId, payload: encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{"content":"across"}', toUserIds: [] }) });
    expect(await alice.nextFrame((f) => f.type === 'PUBACK' && f.messageId === messageId)).toMatchObject({ status: 0 });
    await arrived;
    const pulled = decodePayload('ChrmDownStreamMessages', (await query(bob, Topic.chrmPull, 'cl-room', encodePayload('ChrmPullMsg', { syncTime: 0, count: 10 }))).payload);
    expect(pulled.list.map((bytes) => decodePayload('DownStreamMessage', bytes).content)).toEqual(['{"content":"across"}']);

    const changed = notice(alice, Topic.s_cmd, NotifyType.CHATROOM_KV);
    expect((await query(bob, Topic.setKV, 'cl-room', encodePayload('SetChrmKV', { entry: { key: 'topic', value: 'cluster', status: 0 } }))).status).toBe(0);
    await changed;
    const entries = decodePayload('ChrmKVOutput', (await query(alice, Topic.pullKV, 'cl-room', encodePayload('QueryChrmKV', { timestamp: 0 }))).payload).entries;
    expect(entries.map((e) => [e.key, e.value, e.uid])).toEqual([['topic', 'cluster', 'clr-bob']]);
  });
});
