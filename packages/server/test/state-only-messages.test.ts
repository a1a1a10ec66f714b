import { AckStatus, decodePayload, encodePayload, type SessionOutput } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * Messages that only carry state (read positions, receipts, recalls, expansion updates) never enter
 * history, conversation lists or unread counts, whatever flags a client sends them with, and reach
 * only those they are for; recalls go through recallMsg alone.
 */
let server: TestServer;
const clients: RawClient[] = [];
let nextMessageId = 1;

const PRIVATE = 1;
const GROUP = 3;

async function connect(userId: string): Promise<RawClient> {
  const token = String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
  const client = await RawClient.open(server.url);
  expect(await client.connect(server.devApp.appKey, token)).toMatchObject({ status: 0 });
  clients.push(client);
  return client;
}

async function publish(client: RawClient, topic: string, targetId: string, classname: string, content: string, extra: { sessionId?: number; toUserIds?: string[] } = {}) {
  const messageId = nextMessageId++;
  const payload = encodePayload('UpStreamMessage', { sessionId: 3, classname, content, ...extra });
  client.send({ type: 'PUBLISH', header: { qos: 1 }, topic, targetId, messageId, payload });
  const ack = await client.nextFrame((f) => f.type === 'PUBACK' && f.messageId === messageId);
  if (ack.type !== 'PUBACK') throw new Error('no PUBACK');
  return { status: ack.status, messageUId: ack.messageUId, sentTime: ack.date * 1000 + ack.millis };
}

/** The caller's unread as pullSe answers it at connect (version 0). */
async function unread(client: RawClient, userId: string): Promise<SessionOutput[]> {
  const messageId = nextMessageId++;
  client.send({ type: 'QUERY', topic: 'pullSe', targetId: userId, messageId, payload: encodePayload('SessionQryInput', { version: 0 }) });
  const ack = await client.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId);
  if (ack.type !== 'QUERYACK') throw new Error('no answer');
  return decodePayload('SessionsOutput', ack.payload).session;
}

const history = async (userId: string, type: typeof PRIVATE | typeof GROUP, targetId: string) => {
  const page = await server.services.messages.history(server.devApp.appKey, userId, type, targetId, 0, false, 50);
  if (!page.ok) throw new Error(page.reason);
  return page.messages.map((m) => m.objectName);
};
const inbox = async (userId: string) => (await server.services.messages.pull(server.devApp.appKey, userId, 0, 1000, true)).entries.map((e) => e.message.objectName);
const conversations = async (userId: string) => (await server.services.messages.conversations(server.devApp.appKey, userId, 0, 50)).map((c) => [c.conversationType, c.targetId]);

let alice: RawClient;
let bob: RawClient;
let carol: RawClient;
let mallory: RawClient;

beforeAll(async () => {
  server = await startTestServer({ userSendRate: 50 });
  await callServerApi(server.url, 'group/create', { userId: ['so-alice', 'so-bob', 'so-carol'], groupId: 'so-team', groupName: 'T' }, server.devApp);
  alice = await connect('so-alice');
  bob = await connect('so-bob');
  carol = await connect('so-carol');
  mallory = await connect('so-mallory');
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server.stop();
});

describe('state-only messages', () => {
  it("refuses a non-member's RC:SRSMsg to a group, and keeps it out of the members' history and unread whatever its flags", async () => {
    expect(await publish(alice, 'pgMsgP', 'so-team', 'RC:TxtMsg', '{"content":"hi team"}')).toMatchObject({ status: 0 });
    const forged = await publish(mallory, 'pgMsgP', 'so-team', 'RC:SRSMsg', JSON.stringify({ lastMessageSendTime: 1, content: 'injected' }));
    expect(forged).toMatchObject({ status: AckStatus.NOT_IN_GROUP });
    expect(await history('so-bob', GROUP, 'so-team')).toEqual(['RC:TxtMsg']);
    expect(await conversations('so-mallory')).toEqual([]);
    expect(await inbox('so-mallory')).toEqual([]);
    expect((await unread(bob, 'so-bob')).find((s) => s.targetId === 'so-team')?.unread?.cnt).toBe(1);
  });

  it("keeps a member's RC:SRSMsg sent with flags 3 out of history, conversation lists and everyone's unread", async () => {
    const mark = await publish(carol, 'pgMsgP', 'so-team', 'RC:SRSMsg', JSON.stringify({ lastMessageSendTime: 1 }), { toUserIds: ['so-carol'] });
    expect(mark).toMatchObject({ status: 0 });
    expect(await history('so-bob', GROUP, 'so-team')).toEqual(['RC:TxtMsg']);
    expect(await history('so-carol', GROUP, 'so-team')).toEqual(['RC:TxtMsg']);
    // It reaches carol's own devices only, and changes no conversation's latest message.
    expect(await inbox('so-bob')).not.toContain('RC:SRSMsg');
    expect(await inbox('so-carol')).toContain('RC:SRSMsg');
    expect((await server.services.messages.conversations(server.devApp.appKey, 'so-carol', 0, 50)).map((c) => c.lastMessage.objectName)).toEqual(['RC:TxtMsg']);
    expect((await unread(bob, 'so-bob')).find((s) => s.targetId === 'so-team')?.unread?.cnt).toBe(1);
  });

  it("refuses an RC:SRSMsg for a private conversation the sender does not have, and never counts one for the peer", async () => {
    const forged = await publish(mallory, 'ppMsgP', 'so-bob', 'RC:SRSMsg', JSON.stringify({ lastMessageSendTime: 1, content: 'injected' }));
    expect(forged).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    expect(await history('so-bob', PRIVATE, 'so-mallory')).toEqual([]);
    expect(await conversations('so-bob')).not.toContainEqual([PRIVATE, 'so-mallory']);

    // Between users who do share a conversation, it is the sender's own business: nothing for the peer.
    expect(await publish(alice, 'ppMsgP', 'so-bob', 'RC:TxtMsg', '{"content":"hi bob"}')).toMatchObject({ status: 0 });
    expect(await publish(bob, 'ppMsgP', 'so-alice', 'RC:SRSMsg', JSON.stringify({ lastMessageSendTime: Date.now() }))).toMatchObject({ status: 0 });
    expect(await history('so-alice', PRIVATE, 'so-bob')).toEqual(['RC:TxtMsg']);
    expect(await inbox('so-alice')).not.toContain('RC:SRSMsg');
    expect((await unread(alice, 'so-alice')).find((s) => s.targetId === 'so-bob')?.unread?.cnt ?? 0).toBe(0);
    expect((await unread(bob, 'so-bob')).find((s) => s.targetId === 'so-alice')?.unread?.cnt).toBe(0);
  });

  it('keeps receipts and expansion updates sent with flags 3 out of history and unread', async () => {
    const sent = await publish(alice, 'ppMsgP', 'so-bob', 'RC:TxtMsg', '{"content":"expand me"}', { sessionId: 3 | 64 });
    expect(sent).toMatchObject({ status: 0 });
    expect(await publish(bob, 'ppMsgP', 'so-alice', 'RC:ReadNtf', JSON.stringify({ messageUId: sent.messageUId, lastMessageSendTime: sent.sentTime, type: 1 }))).toMatchObject({ status: 0 });
    expect(await publish(bob, 'ppMsgP', 'so-alice', 'RC:MsgExMsg', JSON.stringify({ mid: sent.messageUId, put: { k: 'v' } }))).toMatchObject({ status: 0 });
    expect(await history('so-alice', PRIVATE, 'so-bob')).toEqual(['RC:TxtMsg', 'RC:TxtMsg']);
    expect(await inbox('so-alice')).toEqual(expect.arrayContaining(['RC:ReadNtf', 'RC:MsgExMsg']));
    expect((await unread(alice, 'so-alice')).find((s) => s.targetId === 'so-bob')?.unread?.cnt ?? 0).toBe(0);
  });

  it("refuses a client's RC:RcCmd naming someone else's message, and a client's RC:RcNtf, storing and sending neither", async () => {
    const original = await publish(alice, 'pgMsgP', 'so-team', 'RC:TxtMsg', '{"content":"mine"}');
    expect(original).toMatchObject({ status: 0 });
    const before = { bob: await inbox('so-bob'), carol: await inbox('so-carol') };
    const forgedRecall = JSON.stringify({ conversationType: GROUP, targetId: 'so-team', messageUId: original.messageUId, sentTime: original.sentTime, isDelete: false });
    expect(await publish(carol, 'pgMsgP', 'so-team', 'RC:RcCmd', forgedRecall, { sessionId: 0 })).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    expect(await publish(carol, 'ppMsgP', 'so-bob', 'RC:RcCmd', forgedRecall, { sessionId: 0 })).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    const notice = JSON.stringify({ operatorId: 'so-alice', recallTime: original.sentTime, originalObjectName: 'RC:TxtMsg', isDelete: false });
    expect(await publish(carol, 'pgMsgP', 'so-team', 'RC:RcNtf', notice)).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    // Nor live, as a status message: the devices that got it would act on it all the same.
    expect(await publish(carol, 'pgMsgS', 'so-team', 'RC:RcCmd', forgedRecall, { sessionId: 0 })).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    expect(await publish(carol, 'ppMsgS', 'so-bob', 'RC:MsgExMsg', JSON.stringify({ mid: original.messageUId, put: { k: 'v' } }), { sessionId: 0 })).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    expect(await publish(carol, 'ppMsgS', 'so-bob', 'RC:TypSts', '{"typingContentType":"RC:TxtMsg"}', { sessionId: 0 })).toMatchObject({ status: 0 });
    const live = (await bob.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_msg')) as { payload: Uint8Array };
    expect(decodePayload('DownStreamMessage', live.payload).classname).toBe('RC:TypSts');
    expect({ bob: await inbox('so-bob'), carol: await inbox('so-carol') }).toEqual(before);
    expect(await history('so-bob', GROUP, 'so-team')).toEqual(['RC:TxtMsg', 'RC:TxtMsg']);
  });
});
