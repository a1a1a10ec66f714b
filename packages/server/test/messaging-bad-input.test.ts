import { encodePayload } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { sendNumbered } from './support/sending-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Bad sends get a status; nothing of them is stored; other users carry on. */
let server: TestServer;
let alice: RawClient;
/**
 * Each send of alice's its own message id: the client keeps every frame it received, and a PUBACK
 * is found by its id (random ids once matched an earlier case's PUBACK).
 */
let nextMessageId = 1000;

async function connect(userId: string): Promise<RawClient> {
  const token = String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
  const client = await RawClient.open(server.url);
  expect(await client.connect(server.devApp.appKey, token)).toMatchObject({ status: 0 });
  return client;
}

async function publish(client: RawClient, topic: string, targetId: string, payload: Uint8Array, messageId: number) {
  client.send({ type: 'PUBLISH', header: { qos: 1 }, topic, targetId, messageId, payload });
  return client.nextFrame((f) => f.type === 'PUBACK' && f.messageId === messageId);
}

const text = (content: string, extra: object = {}) =>
  encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: JSON.stringify({ content }), ...extra });

/** Members of a large group besides bad-alice: one more than a directed message may name. */
const crowd = Array.from({ length: 301 }, (_, i) => `bad-crowd-${i}`);

const inboxSize = async (userId: string) => (await server.services.messages.pull(server.devApp.appKey, userId, 0, 10_000, true)).entries.length;

beforeAll(async () => {
  server = await startTestServer({ userSendRate: 20 });
  await callServerApi(server.url, 'user/getToken', { userId: 'bad-bob' }, server.devApp);
  await callServerApi(server.url, 'group/create', { userId: ['bad-alice', 'bad-carol'], groupId: 'bad-team', groupName: 'T' }, server.devApp);
  await callServerApi(server.url, 'group/create', { userId: ['bad-alice', ...crowd], groupId: 'bad-crowd', groupName: 'C' }, server.devApp);
  alice = await connect('bad-alice');
});
afterAll(async () => {
  alice.close();
  await server.stop();
});

describe('sending: bad input', () => {
  it.each([
    ['garbled protobuf', 'ppMsgP', 'bad-bob', Uint8Array.of(0xff, 0x01, 0x02), 26010],
    ['content over 128 KiB', 'ppMsgP', 'bad-bob', text('x'.repeat(129 * 1024)), 20115],
    ['an unknown recipient', 'ppMsgP', 'nobody', text('hi'), 26010],
    ['a recipient id with bad characters', 'ppMsgP', 'bad bob', text('hi'), 26010],
    ['a message to oneself', 'ppMsgP', 'bad-alice', text('hi'), 26010],
    ['a group that does not exist', 'pgMsgP', 'no-such-group', text('hi'), 22406],
    ['an unsupported topic (ultra groups)', 'ugMsg', 'ultra', text('hi'), 20606],
    ['a directed group message to a non-member', 'pgMsgP', 'bad-team', text('hi', { toUserIds: ['bad-bob'] }), 26010],
    ['a directed group message to more than 300 members', 'pgMsgP', 'bad-crowd', text('hi', { toUserIds: crowd }), 26010],
    ['a read time of a conversation the user does not have', 'updRTime', '', encodePayload('SessionMsgReadInput', { type: 1, msgTime: 1, channelId: 'bad-bob' }), 26010],
    ['a read time of a group the user is not in', 'updRTime', '', encodePayload('SessionMsgReadInput', { type: 3, msgTime: 1, channelId: 'no-such-group' }), 22406],
    ['a read count forged by a client', 'pgMsgP', 'bad-team', encodePayload('UpStreamMessage', { sessionId: 0, classname: 'RC:RRMsg', content: '{"msgId":"X","rrn":9,"tmn":9}' }), 26010],
    ['a read-status sync without a time', 'ppMsgP', 'bad-bob', encodePayload('UpStreamMessage', { sessionId: 0, classname: 'RC:SRSMsg', content: '{}' }), 26010],
    ['a garbled status message', 'ppMsgS', 'bad-bob', Uint8Array.of(0xff, 0x01, 0x02), 26010],
    ['a status message to an unknown user', 'ppMsgS', 'nobody', encodePayload('UpStreamMessage', { sessionId: 0, classname: 'RC:TypSts', content: '{}' }), 26010],
    ['a read time of a conversation type Parley does not keep', 'updRTime', '', encodePayload('SessionMsgReadInput', { type: 4, msgTime: 1, channelId: 'room' }), 26010],
  ])('%s → PUBACK %i, nothing stored', async (_name, topic, target, payload, status) => {
    const before = await inboxSize('bad-alice');
    const ack = await publish(alice, topic, target, payload, nextMessageId++);
    expect(ack).toMatchObject({ type: 'PUBACK', status });
    expect(await inboxSize('bad-alice')).toBe(before);
    expect(await inboxSize('bad-bob')).toBe(0);
  });

  it('answers a flood of sends with 20604 past the per-user rate, storing only what it acked, and other users carry on', async () => {
    const flooder = await connect('flooder');
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) flooder.send({ type: 'PUBLISH', header: { qos: 1 }, topic: 'ppMsgP', targetId: 'bad-bob', messageId: i + 1, payload: text(`f${i}`) });
    for (let i = 0; i < 100; i++) {
      const ack = await flooder.nextFrame((f) => f.type === 'PUBACK' && f.messageId === i + 1);
      if (ack.type === 'PUBACK') statuses.push(ack.status);
    }
    const accepted = statuses.filter((s) => s === 0).length;
    expect(accepted).toBeGreaterThanOrEqual(40);
    expect(accepted).toBeLessThan(100);
    expect(statuses.every((s) => s === 0 || s === 20604)).toBe(true);
    expect(await inboxSize('bad-bob')).toBe(accepted);

    const acks = await sendNumbered(alice, 'ppMsgP', 'bad-bob', 3);
    expect(acks).toHaveLength(3);
    flooder.close();
  });
});
