import { encodePayload } from '@parley/protocol';
import type { IAReceivedConversation, IAReceivedMessage } from '@rongcloud/imlib-next';
import { describe, expect, it } from 'vitest';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { SyncingClient } from './support/syncing-client.js';

/**
 * Deleting messages and clearing history with the unmodified official Web SDK (`deleteMessages`,
 * `clearHistoryMessages`, `batchClearRemoteHistoryMessages`) and the Server API's history clean:
 * for the caller alone, and for good. Another device of the caller that had not pulled them yet,
 * and a fresh Web SDK, never see them again (pull, history, conversation list); the other side
 * keeps everything.
 */
const suite = officialSdkSuite();
const { login, tokenFor, createGroup } = suite;

const PRIVATE = 1;
const GROUP = 3;
const RECEIVED = 2;

function received(client: OfficialClient): IAReceivedMessage[] {
  return client.payloadsOf('MESSAGES').flatMap((p) => p.messages);
}

async function sendTexts(client: OfficialClient, type: number, targetId: string, texts: string[]): Promise<IAReceivedMessage[]> {
  const sent: IAReceivedMessage[] = [];
  for (const text of texts) {
    const result = await client.sendText(type, targetId, text);
    expect(result.code).toBe(0);
    sent.push(result.data!);
  }
  return sent;
}

const textOf = (m: { content: unknown }) => (m.content as { content?: string }).content;

async function historyTexts(client: OfficialClient, type: number, targetId: string): Promise<string[]> {
  const page = await client.getHistoryMessages(type, targetId, { timestamp: 0, count: 20, order: 0 });
  expect(page.code).toBe(0);
  return page.data!.list.map((m) => textOf(m) ?? m.messageType);
}

async function conversation(client: OfficialClient, type: number, targetId: string): Promise<IAReceivedConversation | undefined> {
  const list = await client.getConversationList();
  expect(list.code).toBe(0);
  return list.data!.find((c) => c.conversationType === type && c.targetId === targetId);
}

/** A new Web SDK of the user, with nothing of its own: what it pulls at connect, then history and conversations are the server's word. */
async function freshWebDevice(userId: string): Promise<OfficialClient> {
  const client = await login(userId);
  await client.waitForEvent('PULL_OFFLINE_MESSAGE_FINISHED');
  return client;
}

/** Another device of the user that pulls its inbox from the start, now. */
async function unsyncedDevice(userId: string): Promise<string[]> {
  const device = new SyncingClient(() => suite.server.url, suite.dev.appKey, await tokenFor(userId), `${userId}-desktop`);
  await device.connect();
  device.disconnect();
  return device.received.map((m) => JSON.parse(m.content).content as string);
}

describe('official Web SDK: deleteMessages', () => {
  it("deletes messages for the caller only: no device of theirs sees them again, the peer keeps them", async () => {
    const alice = await login('del-alice1');
    const bob = await login('del-bob1');
    const [a0, a1, a2] = await sendTexts(alice, PRIVATE, 'del-bob1', ['a0', 'a1', 'a2']);
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === a2!.messageUId));

    const doomed = [a2!, a0!].map((m) => ({ messageUId: m.messageUId, sentTime: m.sentTime, messageDirection: RECEIVED }));
    expect((await bob.call('deleteMessages', { conversationType: PRIVATE, targetId: 'del-alice1', messages: doomed })).code).toBe(0);
    // A retry changes nothing more.
    expect((await bob.call('deleteMessages', { conversationType: PRIVATE, targetId: 'del-alice1', messages: doomed })).code).toBe(0);
    expect(await historyTexts(bob, PRIVATE, 'del-alice1')).toEqual(['a1']);

    expect(await unsyncedDevice('del-bob1')).toEqual(['a1']);
    await bob.close();
    const fresh = await freshWebDevice('del-bob1');
    expect(received(fresh).map(textOf)).toEqual(['a1']);
    expect(await historyTexts(fresh, PRIVATE, 'del-alice1')).toEqual(['a1']);
    const withAlice = await conversation(fresh, PRIVATE, 'del-alice1');
    expect(withAlice?.latestMessage).toMatchObject({ messageUId: a1!.messageUId, sentTime: a1!.sentTime });

    expect(await historyTexts(alice, PRIVATE, 'del-bob1')).toEqual(['a0', 'a1', 'a2']);
    expect((await conversation(alice, PRIVATE, 'del-bob1'))?.latestMessage?.messageUId).toBe(a2!.messageUId);
  });

  it("refuses a message of another conversation, another user's or an unknown one with 26009, deleting nothing", async () => {
    const bob = await login('del-bob2');
    const alice = await login('del-alice2');
    const carol = await login('del-carol2');
    const [mine] = await sendTexts(alice, PRIVATE, 'del-bob2', ['mine']);
    const [elsewhere] = await sendTexts(carol, PRIVATE, 'del-bob2', ['from carol']);
    const [notBobs] = await sendTexts(alice, PRIVATE, 'del-carol2', ['not for bob']);
    const attempt = (uid: string) =>
      bob.call('deleteMessages', { conversationType: PRIVATE, targetId: 'del-alice2', messages: [mine!, { messageUId: uid, sentTime: mine!.sentTime }].map((m) => ({ messageUId: m.messageUId, sentTime: m.sentTime, messageDirection: RECEIVED })) });
    for (const uid of [elsewhere!.messageUId, notBobs!.messageUId, 'AAAA-BBBB-CCCC-DDDD']) expect((await attempt(uid)).code).toBe(26009);
    expect(await historyTexts(bob, PRIVATE, 'del-alice2')).toEqual(['mine']);
    expect(await historyTexts(bob, PRIVATE, 'del-carol2')).toEqual(['from carol']);
  });

  it('deletes from a group conversation, leaving the other members theirs', async () => {
    await createGroup('del-g3', ['del-alice3', 'del-bob3', 'del-carol3']);
    const alice = await login('del-alice3');
    const [g0, g1] = await sendTexts(alice, GROUP, 'del-g3', ['g0', 'g1']);
    const bob = await login('del-bob3');
    expect((await bob.call('deleteMessages', { conversationType: GROUP, targetId: 'del-g3', messages: [{ messageUId: g1!.messageUId, sentTime: g1!.sentTime, messageDirection: RECEIVED }] })).code).toBe(0);
    expect(await historyTexts(bob, GROUP, 'del-g3')).toEqual(['g0']);
    expect((await conversation(bob, GROUP, 'del-g3'))?.latestMessage?.messageUId).toBe(g0!.messageUId);
    expect(await unsyncedDevice('del-bob3')).toEqual(['g0']);
    const carol = await login('del-carol3');
    expect(await historyTexts(carol, GROUP, 'del-g3')).toEqual(['g0', 'g1']);
  });
});

describe('official Web SDK: clearHistoryMessages', () => {
  it('clears through a time (inclusive) for the caller only; 0 clears everything; new messages show again', async () => {
    await createGroup('clr-g1', ['clr-alice1', 'clr-bob1', 'clr-carol1']);
    const alice = await login('clr-alice1');
    const [, g1] = await sendTexts(alice, GROUP, 'clr-g1', ['g0', 'g1', 'g2']);
    let bob = await login('clr-bob1');
    expect((await bob.call('clearHistoryMessages', { conversationType: GROUP, targetId: 'clr-g1', timestamp: g1!.sentTime })).code).toBe(0);
    expect(await historyTexts(bob, GROUP, 'clr-g1')).toEqual(['g2']);
    expect(await unsyncedDevice('clr-bob1')).toEqual(['g2']);
    await bob.close();
    bob = await freshWebDevice('clr-bob1');
    expect(received(bob).map(textOf)).toEqual(['g2']);
    expect(await historyTexts(bob, GROUP, 'clr-g1')).toEqual(['g2']);

    expect((await bob.call('clearHistoryMessages', { conversationType: GROUP, targetId: 'clr-g1', timestamp: 0 })).code).toBe(0);
    expect(await historyTexts(bob, GROUP, 'clr-g1')).toEqual([]);
    expect(await conversation(bob, GROUP, 'clr-g1')).toBeUndefined();
    expect(await unsyncedDevice('clr-bob1')).toEqual([]);
    const carol = await login('clr-carol1');
    expect(await historyTexts(carol, GROUP, 'clr-g1')).toEqual(['g0', 'g1', 'g2']);

    const [g3] = await sendTexts(alice, GROUP, 'clr-g1', ['g3']);
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === g3!.messageUId));
    expect(await historyTexts(bob, GROUP, 'clr-g1')).toEqual(['g3']);
    expect((await conversation(bob, GROUP, 'clr-g1'))?.latestMessage?.messageUId).toBe(g3!.messageUId);
  });

  it('clears several conversations at once (batchClearRemoteHistoryMessages)', async () => {
    await createGroup('clr-g2', ['clr-alice2', 'clr-bob2']);
    await tokenFor('clr-bob2');
    const alice = await login('clr-alice2');
    await sendTexts(alice, GROUP, 'clr-g2', ['in group']);
    await sendTexts(alice, PRIVATE, 'clr-bob2', ['in private']);
    const bob = await login('clr-bob2');
    const options = [
      { conversationType: PRIVATE, targetId: 'clr-alice2', timestamp: 0 },
      { conversationType: GROUP, targetId: 'clr-g2', timestamp: 0 },
    ];
    expect((await bob.call('batchClearRemoteHistoryMessages', { options })).code).toBe(0);
    expect(await historyTexts(bob, PRIVATE, 'clr-alice2')).toEqual([]);
    expect(await historyTexts(bob, GROUP, 'clr-g2')).toEqual([]);
    expect((await bob.getConversationList()).data).toEqual([]);
    expect(await unsyncedDevice('clr-bob2')).toEqual([]);
    expect(await historyTexts(alice, PRIVATE, 'clr-bob2')).toEqual(['in private']);
  });
});

describe('Server API: /conversation/message/history/clean.json', () => {
  it("clears a user's history of a conversation, all of it or through msgTimestamp, and refuses bad parameters with 1002", async () => {
    await tokenFor('api-bob1');
    const alice = await login('api-alice1');
    const [first] = await sendTexts(alice, PRIVATE, 'api-bob1', ['first', 'second']);
    const clean = (fields: Record<string, string | number>) => callServerApi(suite.server.url, 'conversation/message/history/clean', fields, suite.dev);
    const through = { conversationType: PRIVATE, fromUserId: 'api-bob1', targetId: 'api-alice1', msgTimestamp: first!.sentTime };
    expect((await clean(through)).body).toEqual({ code: 200 });
    expect(await unsyncedDevice('api-bob1')).toEqual(['second']);
    for (const bad of [{ ...through, conversationType: 4 }, { ...through, msgTimestamp: -1 }, { ...through, targetId: 'bad id' }, { conversationType: PRIVATE, targetId: 'api-alice1' }]) {
      expect((await clean(bad)).body.code).toBe(1002);
    }
    expect((await clean({ conversationType: PRIVATE, fromUserId: 'api-bob1', targetId: 'api-alice1' })).body).toEqual({ code: 200 });
    const bob = await freshWebDevice('api-bob1');
    expect(received(bob)).toEqual([]);
    expect(await historyTexts(bob, PRIVATE, 'api-alice1')).toEqual([]);
    expect(await historyTexts(alice, PRIVATE, 'api-bob1')).toEqual(['first', 'second']);
  });
});

describe('deleting and clearing: bad input', () => {
  it('answers a clear status to malformed or unsupported requests, and changes nothing', async () => {
    const alice = await login('bad-alice1');
    await tokenFor('bad-bob1');
    const [kept] = await sendTexts(alice, PRIVATE, 'bad-bob1', ['kept']);
    const raw = await RawClient.open(suite.server.url);
    expect(await raw.connect(suite.dev.appKey, await tokenFor('bad-bob1'), { platform: 'mobile' })).toMatchObject({ type: 'CONNACK', status: 0 });
    let messageId = 1;
    const query = async (topic: string, payload: Uint8Array) => {
      const id = messageId++;
      raw.send({ type: 'QUERY', topic, targetId: '', messageId: id, payload });
      return (await raw.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === id)) as { status: number };
    };
    const uid = { msgId: kept!.messageUId, msgDataTime: kept!.sentTime, direct: RECEIVED };
    try {
      for (const [topic, payload, status] of [
        ['delMsg', Uint8Array.of(0xff, 0x01, 0x02), 26010],
        ['delMsg', encodePayload('DeleteMsgInput', { type: PRIVATE, conversationId: 'bad-alice1', msgs: Array.from({ length: 101 }, () => uid) }), 26010],
        ['delMsg', encodePayload('DeleteMsgInput', { type: PRIVATE, conversationId: 'bad-alice1', msgs: [] }), 26010],
        ['delMsg', encodePayload('DeleteMsgInput', { type: 10, conversationId: 'bad-alice1', msgs: [uid] }), 26010],
        ['delMsg', encodePayload('DeleteMsgInput', { type: PRIVATE, conversationId: 'someone-else', msgs: [uid] }), 26009],
        ['cleanPMsg', encodePayload('CleanHisMsgInput', { targetId: 'bad-alice1', dataTime: -5, conversationType: PRIVATE }), 26010],
        ['cleanGMsg', encodePayload('CleanHisMsgInput', { targetId: 'bad-ultra', dataTime: 0, conversationType: 10 }), 26010],
        ['cleanMsgBatch', encodePayload('CleanMsgBatchReq', { input: Array.from({ length: 21 }, () => ({ targetId: 'bad-alice1', dataTime: 0, conversationType: PRIVATE })) }), 26010],
        ['cleanCMsg', encodePayload('CleanHisMsgInput', { targetId: 'bad-cs', dataTime: 0, conversationType: 5 }), 20606],
      ] as const) {
        expect({ topic, status: (await query(topic, payload)).status }).toEqual({ topic, status });
      }
    } finally {
      raw.close();
    }
    expect(await unsyncedDevice('bad-bob1')).toEqual(['kept']);
  });
});
