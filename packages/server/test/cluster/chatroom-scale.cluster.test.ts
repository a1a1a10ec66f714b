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

async function query(member: Member, topic: string, payload: Uint8Array): Promise<Extract<ServerFrame, { type: 'QUERYACK' }>> {
  const messageId = member.nextId++;
  member.client.send({ type: 'QUERY', topic, targetId: ROOM, messageId, payload });
  return (await member.client.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId, 20_000)) as Extract<ServerFrame, { type: 'QUERYACK' }>;
}

async function join(userId: string, node: number): Promise<Member> {
  const token = String((await callServerApi(cluster.nodes[0]!.url, 'user/getToken', { userId }, cluster.credentials)).body.token);
  const client = await RawClient.open(cluster.nodes[node]!.url);
  const member: Member = { userId, node, client, cursor: 0, nextId: 1 };
  members.push(member);
  expect(await client.connect(cluster.credentials.appKey, token, { platform: 'desktop' })).toMatchObject({ type: 'CONNACK', status: 0 });
  expect((await query(member, Topic.joinChrm, encodePayload('ChrmInput', { nothing: 1 }))).status).toBe(0);
  // The SDK's first pull after a join: no old messages, only the cursor to pull on from.
  const first = decodePayload('ChrmDownStreamMessages', (await query(member, Topic.chrmPull, encodePayload('ChrmPullMsg', { syncTime: 0, count: 0 }))).payload);
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

    // One notice per message for every device, except the sending device for its own message.
    const deadline = Date.now() + 20_000;
    const expectedNotices = (m: Member) => (senders.includes(m) ? 1 : 2);
    while (Date.now() < deadline && members.some((m) => roomNotices(m) < expectedNotices(m))) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(members.filter((m) => roomNotices(m) !== expectedNotices(m)).map((m) => `${m.userId}: ${roomNotices(m)}`)).toEqual([]);

    const received = new Map<string, string[]>();
    await inBatches(members, 50, async (m) => received.set(m.userId, (await pullAll(m)).sort()));
    const both = ['{"content":"from node 0"}', '{"content":"from node 1"}'];
    for (const m of members) {
      const expected = m === senders[0] ? [both[1]] : m === senders[1] ? [both[0]] : both;
      expect(received.get(m.userId), m.userId).toEqual(expected);
    }
  }, 120_000);
});
