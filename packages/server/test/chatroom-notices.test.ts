import { decodePayload, encodePayload, NotifyType, Topic, type ServerFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTICE_REPEAT_AFTER_MS } from '../src/gateway/gateway.js';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * Chatroom message notices (`s_ntf` type 2): held while one awaits its chrmPull, as inbox notices
 * are, so a busy room costs a member one pull per round trip; sent again once if left unpulled.
 */
let server: TestServer;
beforeAll(async () => {
  // Rooms keep more than a page of messages, so that a pull can stop short of what is kept.
  server = await startTestServer({ chatroomHistory: 200 });
});
afterAll(() => server.stop());

let nextId = 1;
async function member(userId: string, roomId: string): Promise<RawClient> {
  const token = String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
  const client = await RawClient.open(server.url);
  expect(await client.connect(server.devApp.appKey, token)).toMatchObject({ status: 0 });
  expect((await query(client, Topic.joinChrm, roomId, encodePayload('ChrmInput', { nothing: 1 }))).status).toBe(0);
  return client;
}

async function query(client: RawClient, topic: string, roomId: string, payload: Uint8Array): Promise<Extract<ServerFrame, { type: 'QUERYACK' }>> {
  const messageId = nextId++;
  client.send({ type: 'QUERY', topic, targetId: roomId, messageId, payload });
  return (await client.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId)) as Extract<ServerFrame, { type: 'QUERYACK' }>;
}

async function say(client: RawClient, roomId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const messageId = nextId++;
    client.send({ type: 'PUBLISH', header: { qos: 1 }, topic: Topic.chatMsg, targetId: roomId, messageId, payload: encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: `{"content":"${i}"}`, toUserIds: [] }) });
    expect(await client.nextFrame((f) => f.type === 'PUBACK' && f.messageId === messageId)).toMatchObject({ status: 0 });
  }
}

async function pull(client: RawClient, roomId: string, syncTime: number): Promise<{ count: number; syncTime: number }> {
  const page = decodePayload('ChrmDownStreamMessages', (await query(client, Topic.chrmPull, roomId, encodePayload('ChrmPullMsg', { syncTime, count: 50 }))).payload);
  return { count: page.list.length, syncTime: page.syncTime };
}

const noticeTimes = (client: RawClient, roomId: string) =>
  client.frames.flatMap((f) => {
    if (f.type !== 'PUBLISH' || f.topic !== Topic.s_ntf) return [];
    const notice = decodePayload('NotifyMsg', f.payload);
    return notice.type === NotifyType.CHATROOM && notice.chrmId === roomId ? [notice.time ?? 0] : [];
  });
const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe('chatroom notices', () => {
  it('hold further notices until the member pulls, then send one only if the pull missed something', async () => {
    const alice = await member('cn-alice', 'cn-room');
    const bob = await member('cn-bob', 'cn-room');
    const cursor = (await pull(bob, 'cn-room', 0)).syncTime;
    await say(alice, 'cn-room', 5);
    await expect.poll(() => noticeTimes(bob, 'cn-room')).toHaveLength(1);
    await settle();
    expect(noticeTimes(bob, 'cn-room')).toHaveLength(1);

    // One pull takes all five; everything held was covered, so no notice follows.
    const first = await pull(bob, 'cn-room', cursor);
    expect(first.count).toBe(5);
    await settle();
    expect(noticeTimes(bob, 'cn-room')).toHaveLength(1);

    // After that pull, the next message is noticed at once.
    await say(alice, 'cn-room', 1);
    await expect.poll(() => noticeTimes(bob, 'cn-room')).toHaveLength(2);
    // A pull that stops short (a page holds 50) of what was held is followed by a notice naming the newest.
    await say(alice, 'cn-room', 59);
    const page = await pull(bob, 'cn-room', first.syncTime);
    expect(page.count).toBe(50);
    await expect.poll(() => noticeTimes(bob, 'cn-room')).toHaveLength(3);
    const newest = noticeTimes(bob, 'cn-room')[2]!;
    expect(newest).toBeGreaterThan(page.syncTime);
    const rest = await pull(bob, 'cn-room', page.syncTime);
    expect(rest).toEqual({ count: 10, syncTime: newest });
    await settle();
    expect(noticeTimes(bob, 'cn-room')).toHaveLength(3);
    alice.close();
    bob.close();
  });

  it('sends a notice left unpulled once more, naming the newest message, then stops holding', async () => {
    const alice = await member('cn-ann', 'cn-quiet');
    const carol = await member('cn-carol', 'cn-quiet');
    await say(alice, 'cn-quiet', 1);
    await expect.poll(() => noticeTimes(carol, 'cn-quiet')).toHaveLength(1);
    await say(alice, 'cn-quiet', 1);
    await expect.poll(() => noticeTimes(carol, 'cn-quiet').length, { timeout: NOTICE_REPEAT_AFTER_MS + 3000 }).toBe(2);
    const [firstTime, repeatTime] = noticeTimes(carol, 'cn-quiet');
    expect(repeatTime).toBeGreaterThan(firstTime!);
    // Left unpulled again: no third copy, and the next message is noticed at once.
    await settle(NOTICE_REPEAT_AFTER_MS + 1500);
    expect(noticeTimes(carol, 'cn-quiet')).toHaveLength(2);
    await say(alice, 'cn-quiet', 1);
    await expect.poll(() => noticeTimes(carol, 'cn-quiet')).toHaveLength(3);
    alice.close();
    carol.close();
  }, 20_000);
});
