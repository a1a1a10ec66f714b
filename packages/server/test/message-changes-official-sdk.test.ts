import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { IAReceivedConversation, IAReceivedMessage } from '@rongcloud/imlib-next';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';
import { callServerApi } from './support/server-api-client.js';
import { SyncingClient } from './support/syncing-client.js';

/**
 * Changing sent messages with the unmodified official Web SDK: recall, edit and expansion, seen by
 * the peer online and offline, in history and in the conversation list; their Server API twins.
 */
const suite = officialSdkSuite();
const { login } = suite;

async function register(userId: string): Promise<void> {
  expect((await callServerApi(suite.server.url, 'user/getToken', { userId }, suite.dev)).body.code).toBe(200);
}

function received(client: OfficialClient): IAReceivedMessage[] {
  return client.payloadsOf('MESSAGES').flatMap((p) => (p as { messages: IAReceivedMessage[] }).messages);
}

const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

async function sendText(client: OfficialClient, type: number, targetId: string, text: string, options?: Record<string, unknown>): Promise<IAReceivedMessage> {
  const sent = options ? await client.call<IAReceivedMessage>('sendTextWithOptions', { conversationType: type, targetId, text, options }) : await client.sendText(type, targetId, text);
  expect(sent.code).toBe(0);
  return sent.data!;
}

async function history(client: OfficialClient, type: number, targetId: string): Promise<IAReceivedMessage[]> {
  const page = await client.getHistoryMessages(type, targetId, { timestamp: 0, count: 20, order: 0 });
  expect(page.code).toBe(0);
  return page.data!.list;
}

async function latestWith(client: OfficialClient, targetId: string): Promise<IAReceivedConversation | undefined> {
  const list = await client.getConversationList();
  expect(list.code).toBe(0);
  return list.data!.find((c) => c.targetId === targetId);
}

function recall(client: OfficialClient, type: number, targetId: string, message: { messageUId: string; sentTime: number }, extra: Record<string, unknown> = {}) {
  return client.call<IAReceivedMessage>('recallMessage', { conversationType: type, targetId, options: { messageUId: message.messageUId, sentTime: message.sentTime, ...extra } });
}

describe('official Web SDK: recall', () => {
  it('recalls a message: the peer gets the recall once, history and the conversation list show RC:RcNtf, and no RC:RcCmd', async () => {
    const alice = await login('rc-alice1');
    const bob = await login('rc-bob1');
    const sent = await sendText(alice, 1, 'rc-bob1', 'oops');
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId));

    const recalled = await recall(alice, 1, 'rc-bob1', sent, { extra: 'why' });
    expect(recalled.code).toBe(0);
    expect(recalled.data).toMatchObject({ messageType: 'RC:RcCmd', messageUId: `Cmd:${sent.messageUId}` });
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:RcCmd'));
    const command = received(bob).filter((m) => m.messageType === 'RC:RcCmd');
    expect(command).toHaveLength(1);
    expect(command[0]).toMatchObject({ senderUserId: 'rc-alice1', targetId: 'rc-alice1', content: { messageUId: sent.messageUId, sentTime: sent.sentTime, extra: 'why' } });

    for (const [client, peer] of [[bob, 'rc-alice1'], [alice, 'rc-bob1']] as const) {
      const list = await history(client, 1, peer);
      expect(list.map((m) => m.messageType)).toEqual(['RC:RcNtf']);
      expect(list[0]).toMatchObject({ messageUId: sent.messageUId, sentTime: sent.sentTime, content: { operatorId: 'rc-alice1', recallTime: sent.sentTime, originalObjectName: 'RC:TxtMsg', isDelete: false, extra: 'why' } });
      // The recalled text ("re-edit") is its sender's alone.
      expect((list[0]?.content as { recallContent?: string }).recallContent).toBe(client === alice ? 'oops' : undefined);
      expect((await latestWith(client, peer))?.latestMessage).toMatchObject({ messageType: 'RC:RcNtf', messageUId: sent.messageUId });
    }
    // A retry is answered as the first recall was, and changes nothing.
    const again = await recall(alice, 1, 'rc-bob1', sent, { extra: 'why' });
    expect(again).toMatchObject({ code: 0, data: { sentTime: recalled.data!.sentTime } });
    await settle();
    expect(received(bob).filter((m) => m.messageType === 'RC:RcCmd')).toHaveLength(1);
  });

  it('shows a message recalled before the peer pulled it only in its final state, once', async () => {
    await register('rc-bob2');
    const alice = await login('rc-alice2');
    const kept = await sendText(alice, 1, 'rc-bob2', 'kept');
    const sent = await sendText(alice, 1, 'rc-bob2', 'gone');
    const deleted = await sendText(alice, 1, 'rc-bob2', 'gone for good');
    expect((await recall(alice, 1, 'rc-bob2', sent)).code).toBe(0);
    expect((await recall(alice, 1, 'rc-bob2', deleted, { isDelete: true })).code).toBe(0);

    const bob = await login('rc-bob2');
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId));
    await settle();
    const got = received(bob);
    expect(got.map((m) => [m.messageUId, m.messageType])).toEqual([
      [kept.messageUId, 'RC:TxtMsg'],
      [sent.messageUId, 'RC:RcNtf'],
    ]);
    expect((await history(bob, 1, 'rc-alice2')).map((m) => m.messageUId)).toEqual([kept.messageUId, sent.messageUId]);
  });

  it("syncs a recall to the recaller's other devices, and recalls in groups", async () => {
    await callServerApi(suite.server.url, 'group/create', { userId: ['rc-galice', 'rc-gbob'], groupId: 'rc-g1', groupName: 'Recall group' }, suite.dev);
    const alice = await login('rc-galice');
    const bob = await login('rc-gbob');
    const token = String((await callServerApi(suite.server.url, 'user/getToken', { userId: 'rc-galice' }, suite.dev)).body.token);
    const desktop = new SyncingClient(() => suite.server.url, suite.dev.appKey, token, 'rc-galice-desktop');
    await desktop.connect();
    try {
      const sent = await sendText(alice, 3, 'rc-g1', 'group oops');
      await expect.poll(() => desktop.received.map((m) => m.msgId), { timeout: 5000 }).toContain(sent.messageUId);
      expect((await recall(bob, 3, 'rc-g1', sent)).code).toBe(25107);
      expect((await recall(alice, 3, 'rc-g1', sent)).code).toBe(0);
      await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:RcCmd'));
      expect(received(bob).find((m) => m.messageType === 'RC:RcCmd')).toMatchObject({ conversationType: 3, targetId: 'rc-g1', content: { messageUId: sent.messageUId } });
      await expect.poll(() => desktop.received.filter((m) => m.classname === 'RC:RcCmd').length, { timeout: 5000 }).toBe(1);
      expect(desktop.received.find((m) => m.classname === 'RC:RcCmd')).toMatchObject({ direction: 1, type: 3, groupId: 'rc-g1' });
      // The recalling device's own copy is matched to its recall and not shown again.
      await settle();
      expect(received(alice).filter((m) => m.messageType === 'RC:RcCmd')).toEqual([]);
    } finally {
      desktop.disconnect();
    }
  });

  it('refuses a recall of an unknown message or of another conversation with 25101, changing nothing', async () => {
    const alice = await login('rc-alice3');
    await register('rc-bob3');
    await register('rc-carol3');
    const sent = await sendText(alice, 1, 'rc-bob3', 'stays');
    expect((await recall(alice, 1, 'rc-bob3', { messageUId: 'AAAA-BBBB-CCCC-DDDD', sentTime: 1 })).code).toBe(25101);
    expect((await recall(alice, 1, 'rc-carol3', sent)).code).toBe(25101);
    expect((await history(alice, 1, 'rc-bob3')).map((m) => m.messageType)).toEqual(['RC:TxtMsg']);
  });

  it('recalls through the Server API with the official rongcloud-sdk, and as admin for anyone', async () => {
    const bob = await login('rc-bob4');
    const alice = await login('rc-alice4');
    const first = await sendText(alice, 1, 'rc-bob4', 'one');
    const second = await sendText(alice, 1, 'rc-bob4', 'two');
    const require = createRequire(import.meta.url);
    const sdk = (require('rongcloud-sdk') as (c: object) => { Message: { Private: { recall(m: object): Promise<{ code: number }> } } })({
      appkey: suite.dev.appKey,
      secret: suite.dev.appSecret,
      api: suite.server.url,
    });
    expect(await sdk.Message.Private.recall({ senderId: 'rc-alice4', targetId: 'rc-bob4', uId: first.messageUId, sentTime: first.sentTime, objectName: 'RC:RcCmd' })).toMatchObject({ code: 200 });
    const notAdmin = await callServerApi(suite.server.url, 'message/recall', { fromUserId: 'rc-bob4', targetId: 'rc-alice4', messageUID: second.messageUId, conversationType: '1' }, suite.dev);
    expect(notAdmin.body.code).toBe(25107);
    const admin = await callServerApi(
      suite.server.url,
      'message/recall',
      { fromUserId: 'rc-bob4', targetId: 'rc-alice4', messageUID: second.messageUId, conversationType: '1', isAdmin: '1', isDelete: '1' },
      suite.dev,
    );
    expect(admin.body.code).toBe(200);
    await alice.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:RcCmd'));
    await bob.waitForEvent('MESSAGES', (p) => p.messages.filter((m) => m.messageType === 'RC:RcCmd').length > 0);
    await expect.poll(async () => (await history(bob, 1, 'rc-alice4')).map((m) => [m.messageUId, m.messageType])).toEqual([[first.messageUId, 'RC:RcNtf']]);
    // Recalled with delete: the conversation shows the message before it.
    expect((await latestWith(bob, 'rc-alice4'))?.latestMessage).toMatchObject({ messageUId: first.messageUId, messageType: 'RC:RcNtf' });
  });

  it("sends the changes of a directed message to its users alone, and takes expansion updates only from them", async () => {
    await callServerApi(suite.server.url, 'group/create', { userId: ['dc-alice', 'dc-bob', 'dc-carol'], groupId: 'dc-g', groupName: 'Directed' }, suite.dev);
    const alice = await login('dc-alice');
    const bob = await login('dc-bob');
    const carol = await login('dc-carol');
    const sent = await sendText(alice, 3, 'dc-g', 'for bob', { directionalUserIdList: ['dc-bob'], canIncludeExpansion: true, expansion: { a: '1' } });
    const atBob = (await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId))).payload.messages[0]!;
    expect((await callServerApi(suite.server.url, 'group/join', { userId: 'dc-dave', groupId: 'dc-g' }, suite.dev)).body.code).toBe(200);
    const dave = await login('dc-dave');

    expect((await bob.call('updateMessageExpansion', { expansion: { secret: 'bob likes it' }, message: atBob })).code).toBe(0);
    await alice.waitForEvent('EXPANSION');
    // Carol never received it, nor did dave (he joined after): neither writes to it.
    for (const outsider of [carol, dave]) expect((await outsider.call('updateMessageExpansion', { expansion: { x: '1' }, message: sent })).code).toBe(22201);
    expect((await recall(alice, 3, 'dc-g', sent)).code).toBe(0);
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:RcCmd'));
    await settle();
    for (const outsider of [carol, dave]) {
      expect(received(outsider)).toEqual([]);
      expect(outsider.payloadsOf('EXPANSION')).toEqual([]);
    }
  });
});

describe('official Web SDK: edit', () => {
  it('edits a message: the peer hears MESSAGE_MODIFIED with the new content, and history and the list show it as edited', async () => {
    const alice = await login('ed-alice1');
    const bob = await login('ed-bob1');
    const sent = await sendText(alice, 1, 'ed-bob1', 'helo');
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId));
    const edited = await alice.call('modifyMessage', { conversationType: 1, targetId: 'ed-bob1', messageUId: sent.messageUId, content: { content: 'hello' } });
    expect(edited.code).toBe(0);
    const modified = await bob.waitForEvent('MESSAGE_MODIFIED', (p) => (p as IAReceivedMessage[]).some((m) => m.messageUId === sent.messageUId));
    expect((modified.payload as IAReceivedMessage[])[0]).toMatchObject({ messageUId: sent.messageUId, content: { content: 'hello' }, isModifyMessage: true });
    for (const [client, peer] of [[bob, 'ed-alice1'], [alice, 'ed-bob1']] as const) {
      const [message] = await history(client, 1, peer);
      expect(message).toMatchObject({ messageUId: sent.messageUId, content: { content: 'hello' }, isModifyMessage: true });
      expect((message as IAReceivedMessage & { modifyInfo?: { timestamp: number } }).modifyInfo?.timestamp).toBeGreaterThanOrEqual(sent.sentTime);
      expect((await latestWith(client, peer))?.latestMessage).toMatchObject({ content: { content: 'hello' }, isModifyMessage: true });
    }
    // Only the sender edits.
    expect((await bob.call('modifyMessage', { conversationType: 1, targetId: 'ed-alice1', messageUId: sent.messageUId, content: { content: 'mine now' } })).code).toBe(20116);
  });

  it('shows a message edited before the peer pulled it only in its edited form, once', async () => {
    await register('ed-bob2');
    const alice = await login('ed-alice2');
    const sent = await sendText(alice, 1, 'ed-bob2', 'draft');
    expect((await alice.call('modifyMessage', { conversationType: 1, targetId: 'ed-bob2', messageUId: sent.messageUId, content: { content: 'final' } })).code).toBe(0);
    const bob = await login('ed-bob2');
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId));
    await bob.waitForEvent('MESSAGE_MODIFIED_SYNC_COMPLETED');
    await settle();
    expect(received(bob).map((m) => [m.messageUId, (m.content as { content: string }).content, m.isModifyMessage])).toEqual([[sent.messageUId, 'final', true]]);
    expect(bob.payloadsOf('MESSAGE_MODIFIED').flat()).toEqual([]);
  });

  it('edits through the Server API, and refuses edits of unknown messages', async () => {
    const alice = await login('ed-alice3');
    await register('ed-bob3');
    const sent = await sendText(alice, 1, 'ed-bob3', 'via api');
    const body = (fields: Record<string, string>) => callServerApi(suite.server.url, 'message/private/modify', fields, suite.dev);
    expect((await body({ fromUserId: 'ed-alice3', targetId: 'ed-bob3', msgUID: sent.messageUId, content: '{"content":"api edit"}' })).body.code).toBe(200);
    expect((await history(alice, 1, 'ed-bob3'))[0]).toMatchObject({ content: { content: 'api edit' }, isModifyMessage: true });
    expect((await body({ fromUserId: 'ed-alice3', targetId: 'ed-bob3', msgUID: 'AAAA-BBBB-CCCC-DDDD', content: '{"content":"x"}' })).body.code).toBe(20116);
    expect((await alice.call('modifyMessage', { conversationType: 1, targetId: 'ed-bob3', messageUId: 'AAAA-BBBB-CCCC-DDDD', content: { content: 'x' } })).code).toBe(20116);
  });
});

describe('official Web SDK: message expansion', () => {
  it('delivers the expansion sent with a message, merges updates and removals into it, and serves the current map', async () => {
    const alice = await login('ex-alice1');
    const bob = await login('ex-bob1');
    const sent = await sendText(alice, 1, 'ex-bob1', 'expand me', { canIncludeExpansion: true, expansion: { a: '1' } });
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId));
    expect(received(bob).find((m) => m.messageUId === sent.messageUId)).toMatchObject({ canIncludeExpansion: true, expansion: { a: '1' } });

    expect((await alice.call('updateMessageExpansion', { expansion: { b: '2', c: '3' }, message: sent })).code).toBe(0);
    const update = await bob.waitForEvent('EXPANSION');
    expect(update.payload).toMatchObject({ updatedExpansion: { messageUId: sent.messageUId, expansion: { b: '2', c: '3' } } });
    expect((await alice.call('removeMessageExpansionForKey', { keys: ['a'], message: sent })).code).toBe(0);
    await bob.waitForEvent('EXPANSION', (p) => (p as { deletedExpansion?: unknown }).deletedExpansion !== undefined);

    for (const [client, peer] of [[bob, 'ex-alice1'], [alice, 'ex-bob1']] as const) {
      expect((await history(client, 1, peer))[0]).toMatchObject({ messageUId: sent.messageUId, expansion: { b: '2', c: '3' } });
      expect((await latestWith(client, peer))?.latestMessage?.expansion).toEqual({ b: '2', c: '3' });
    }
    const query = await callServerApi(suite.server.url, 'message/expansion/query', { msgUID: sent.messageUId }, suite.dev);
    expect(query.body).toMatchObject({ code: 200, extraContent: { b: { v: '2' }, c: { v: '3' } } });
  });

  it('refuses updates of a message not sent expandable, and sets and removes keys through the Server API', async () => {
    const alice = await login('ex-alice2');
    const bob = await login('ex-bob2');
    const plain = await sendText(alice, 1, 'ex-bob2', 'plain');
    expect((await alice.call('updateMessageExpansion', { expansion: { a: '1' }, message: { ...plain, canIncludeExpansion: true } })).code).toBe(22202);
    const sent = await sendText(alice, 1, 'ex-bob2', 'expandable', { canIncludeExpansion: true, expansion: { a: '1' } });
    const expansionApi = async (path: string, fields: Record<string, string>) =>
      (await callServerApi(suite.server.url, `message/expansion/${path}`, { msgUID: sent.messageUId, userId: 'ex-bob2', conversationType: '1', targetId: 'ex-alice2', ...fields }, suite.dev)).body.code;
    expect(await expansionApi('set', { extraKeyVal: '{"k":"v"}' })).toBe(200);
    await alice.waitForEvent('EXPANSION', (p) => (p as { updatedExpansion?: { expansion: object } }).updatedExpansion?.expansion !== undefined);
    expect(await expansionApi('delete', { extraKey: '["a"]' })).toBe(200);
    await expect.poll(async () => (await history(bob, 1, 'ex-alice2')).find((m) => m.messageUId === sent.messageUId)?.expansion).toEqual({ k: 'v' });
    expect(await expansionApi('set', { targetId: 'ex-nobody', extraKeyVal: '{"k":"v"}' })).toBe(22201);
    expect(await expansionApi('set', { extraKeyVal: JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))) })).toBe(34010);
    // A message's whole expansion holds 32 KiB, whether sent with it or merged: 8 values of 4,096 are over.
    const long = (from: number) => Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`long${from + i}`, 'v'.repeat(4096)]));
    const refused = await alice.call('sendTextWithOptions', { conversationType: 1, targetId: 'ex-bob2', text: 'too big', options: { canIncludeExpansion: true, expansion: { ...long(0), ...long(4) } } });
    expect(refused.code).toBe(34010);
    expect((await alice.call('updateMessageExpansion', { expansion: long(0), message: sent })).code).toBe(0);
    expect((await alice.call('updateMessageExpansion', { expansion: long(4), message: sent })).code).toBe(34010);
  });
});
