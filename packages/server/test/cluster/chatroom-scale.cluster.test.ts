import { decodePayload, encodePayload, NotifyType, Topic, type ServerFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { callServerApi } from '../support/server-api-client.js';
import { TestCluster } from './cluster-support.js';

/**
 * One chatroom of a few hundred members spread over two `parley serve` processes: a message sent on
 * either node reaches every other member exactly once (one notice, one pulled copy), wherever the
 * member is connected. The bench's `chatroom-fanout` scenario measures the same path with thousands.
 */
const MEMBERS = 300;
const ROOM = 'scale-room';
/** Handshakes in flight at once: well inside the per-address handshake bucket. */
const CONNECTS_IN_FLIGHT = 16;

interface Member {
  userId: string;
  node: number;
  client: RawClient;
  cursor: number;
  nextId: number;
}

let cluster: TestCluster;
const members: Member[] = [];

beforeAll(async () => {
  cluster = await TestCluster.start(2);
}, 60_000);
afterAll(async () => {
  for (const m of members.splice(0)) m.client.close();
  await cluster?.stop();
});

async function query(member: Member, topic: string, payload: Uint8Array, roomId = ROOM): Promise<Extract<ServerFrame, { type: 'QUERYACK' }>> {
  const messageId = member.nextId++;
  member.client.send({ type: 'QUERY', topic, targetId: roomId, messageId, payload });
  return (await member.client.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId, 20_000)) as Extract<ServerFrame, { type: 'QUERYACK' }>;
}

async function join(userId: string, node: number, roomId = ROOM): Promise<Member> {
  const token = String((await callServerApi(cluster.nodes[0]!.url, 'user/getToken', { userId }, cluster.credentials)).body.token);
  const client = await RawClient.open(cluster.nodes[node]!.url);
  const member: Member = { userId, node, client, cursor: 0, nextId: 1 };
  members.push(member);
  expect(await client.connect(cluster.credentials.appKey, token, { platform: 'desktop' })).toMatchObject({ type: 'CONNACK', status: 0 });
  expect((await query(member, Topic.joinChrm, encodePayload('ChrmInput', { nothing: 1 }), roomId)).status).toBe(0);
  // The SDK's first pull after a join: no old messages, only the cursor to pull on from.
  const first = decodePayload('ChrmDownStreamMessages', (await query(member, Topic.chrmPull, encodePayload('ChrmPullMsg', { syncTime: 0, count: 0 }), roomId)).payload);
  member.cursor = first.syncTime;
  return member;
}

/** Every chatroom message past the member's cursor, paging as the SDK does (bounded). */
async function pullAll(member: Member): Promise<string[]> {
  const contents: string[] = [];
  for (let page = 0; page < 10; page++) {
    const answer = decodePayload('ChrmDownStreamMessages', (await query(member, Topic.chrmPull, encodePayload('ChrmPullMsg', { syncTime: member.cursor, count: 50 }))).payload);
    contents.push(...answer.list.map((bytes) => decodePayload('DownStreamMessage', bytes).content));
    if (answer.syncTime <= member.cursor) break;
    member.cursor = answer.syncTime;
  }
  return contents;
}

const roomNotices = (member: Member) =>
  member.client.frames.filter((f) => f.type === 'PUBLISH' && f.topic === Topic.s_ntf && decodePayload('NotifyMsg', f.payload).type === NotifyType.CHATROOM && decodePayload('NotifyMsg', f.payload).chrmId === ROOM).length;

function publish(member: Member, topic: string, roomId: string, classname: string, flags: number): Promise<ServerFrame> {
  const messageId = member.nextId++;
  const payload = encodePayload('UpStreamMessage', { sessionId: flags, classname, content: '{"content":"x"}', toUserIds: [] });
  member.client.send({ type: 'PUBLISH', header: { qos: 1 }, topic, targetId: roomId, messageId, payload });
  return member.client.nextFrame((f) => f.type === 'PUBACK' && f.messageId === messageId);
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('one chatroom across nodes, a few hundred members', () => {
  it('delivers a message sent on each node to every member exactly once', async () => {
    // Members 0 and 1 (one on each node) are the senders; every join may create the room.
    await inBatches(Array.from({ length: MEMBERS }, (_, i) => i), CONNECTS_IN_FLIGHT, (i) => join(`crs-${i}`, i % 2));
    expect(members.filter((m) => m.node === 1).length).toBe(MEMBERS / 2);

    // Both replicas count every member, whichever node they joined through.
    const infoQuery = encodePayload('QueryChatRoomInfoInput', { count: 0, order: 1 });
    for (const probe of [0, 1].map((node) => members.find((m) => m.node === node)!)) {
      await expect.poll(async () => decodePayload('QueryChatRoomInfoOutput', (await query(probe, Topic.queryChrmI, infoQuery)).payload).userTotalNums, { timeout: 10_000 }).toBe(MEMBERS);
    }

    const senders = [0, 1].map((node) => members.find((m) => m.node === node)!);
    for (const [i, sender] of senders.entries()) {
      const messageId = sender.nextId++;
      const payload = encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: `{"content":"from node ${i}"}`, toUserIds: [] });
      sender.client.send({ type: 'PUBLISH', header: { qos: 1 }, topic: Topic.chatMsg, targetId: ROOM, messageId, payload });
      expect(await sender.client.nextFrame((f) => f.type === 'PUBACK' && f.messageId === messageId)).toMatchObject({ status: 0 });
    }

    // Each member pulls on every notice, as the SDKs do, until it holds what it should: both
    // messages, or the other one for a sender, whose own device is not sent its own.
    const both = ['{"content":"from node 0"}', '{"content":"from node 1"}'];
    const expected = (m: Member) => (m === senders[0] ? [both[1]] : m === senders[1] ? [both[0]] : both);
    const received = new Map(members.map((m) => [m, [] as string[]]));
    await inBatches(members, 50, async (m) => {
      let pulledAfter = 0;
      const deadline = Date.now() + 30_000;
      while (received.get(m)!.length < expected(m).length && Date.now() < deadline) {
        if (roomNotices(m) > pulledAfter) {
          pulledAfter = roomNotices(m);
          received.get(m)!.push(...(await pullAll(m)));
        } else await new Promise((r) => setTimeout(r, 20));
      }
    });
    // Nothing more comes: a late notice or a last pull brings no second copy.
    await new Promise((r) => setTimeout(r, 500));
    await inBatches(members, 50, async (m) => received.get(m)!.push(...(await pullAll(m))));
    for (const m of members) {
      expect(received.get(m)!.sort(), m.userId).toEqual(expected(m));
      // Notices are held while one awaits its pull: never more than one per message.
      expect(roomNotices(m), m.userId).toBeLessThanOrEqual(expected(m).length);
    }
  }, 120_000);

  it('carries blocks, bans and status messages from one node to the members on the other', async () => {
    const room = 'scale-rules';
    const api = (path: string, params: Record<string, string | number>) => callServerApi(cluster.nodes[0]!.url, path, params, cluster.credentials);
    const alice = await join('crr-alice', 0, room);
    await expect.poll(async () => (await api('chatroom/query', { chatroomId: room })).body.chatRooms).toHaveLength(1);
    const bob = await join('crr-bob', 1, room);

    // A status message sent on node 0 reaches bob on node 1 live, as s_msg.
    expect(await publish(alice, Topic.chatMsg, room, 'App:Typing', 0)).toMatchObject({ status: 0 });
    const live = await bob.client.nextFrame((f) => f.type === 'PUBLISH' && f.topic === Topic.s_msg);
    expect(live.type === 'PUBLISH' && decodePayload('DownStreamMessage', live.payload)).toMatchObject({ fromUserId: 'crr-alice', type: 4, groupId: room, classname: 'App:Typing' });

    // Banned through node 0's Server API: refused on node 1 too.
    expect((await api('chatroom/user/ban/add', { userId: 'crr-bob', minute: 5 })).body).toEqual({ code: 200 });
    await expect.poll(async () => ((await publish(bob, Topic.chatMsg, room, 'RC:TxtMsg', 3)) as { status?: number }).status).toBe(23408);
    expect((await api('chatroom/user/ban/remove', { userId: 'crr-bob' })).body).toEqual({ code: 200 });
    await expect.poll(async () => ((await publish(bob, Topic.chatMsg, room, 'RC:TxtMsg', 3)) as { status?: number }).status).toBe(0);

    // Blocked: out of the room on node 1, and refused when joining there again.
    expect((await api('chatroom/user/block/add', { chatroomId: room, userId: 'crr-bob', minute: 5 })).body).toEqual({ code: 200 });
    await expect.poll(async () => (await query(bob, Topic.joinChrmR, encodePayload('ChrmInput', { nothing: 1 }), room)).status).toBe(23409);
    const info = decodePayload('QueryChatRoomInfoOutput', (await query(alice, Topic.queryChrmI, encodePayload('QueryChatRoomInfoInput', { count: 5, order: 1 }), room)).payload);
    expect(info.userInfos?.map((u) => u.id)).toEqual(['crr-alice']);
  });
});
