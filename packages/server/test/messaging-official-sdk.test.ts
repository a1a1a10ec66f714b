import { describe, expect, it } from 'vitest';
import type { IAReceivedMessage } from '@rongcloud/imlib-next';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';
import { callServerApi } from './support/server-api-client.js';
import { SyncingClient } from './support/syncing-client.js';

/** Messaging with the unmodified official Web SDK: private, offline, group, history, conversations. */
const suite = officialSdkSuite();
const { login } = suite;

async function register(userId: string): Promise<void> {
  expect((await callServerApi(suite.server.url, 'user/getToken', { userId }, suite.dev)).body.code).toBe(200);
}

/** Every message the client's app saw, across all MESSAGES events. */
function received(client: OfficialClient): IAReceivedMessage[] {
  return client.payloadsOf('MESSAGES').flatMap((p) => (p as { messages: IAReceivedMessage[] }).messages);
}

async function receivedWithUid(client: OfficialClient, uid: string): Promise<IAReceivedMessage> {
  await client.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === uid));
  return received(client).find((m) => m.messageUId === uid)!;
}

const settle = (ms = 1000) => new Promise((r) => setTimeout(r, ms));

describe('official Web SDK: private messages', () => {
  it('delivers a message sent while the recipient was offline exactly once when they connect', async () => {
    await register('bob1');
    const alice = await login('alice1');
    const sent = await alice.sendText(1, 'bob1', 'hello while you were away');
    expect(sent.code).toBe(0);
    const uid = sent.data!.messageUId;
    expect(uid).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);

    const bob = await login('bob1');
    const message = await receivedWithUid(bob, uid);
    expect(message).toMatchObject({
      conversationType: 1,
      targetId: 'alice1',
      senderUserId: 'alice1',
      messageType: 'RC:TxtMsg',
      content: { content: 'hello while you were away' },
      messageDirection: 2,
      sentTime: sent.data!.sentTime,
    });
    await settle();
    expect(received(bob).filter((m) => m.messageUId === uid)).toHaveLength(1);
  });

  it('delivers live both ways, once each, in send order', async () => {
    const alice = await login('alice2');
    const bob = await login('bob2');
    const uids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = await alice.sendText(1, 'bob2', `a${i}`);
      expect(sent.code).toBe(0);
      uids.push(sent.data!.messageUId);
    }
    const reply = await bob.sendText(1, 'alice2', 'b0');
    await receivedWithUid(bob, uids[4]!);
    await receivedWithUid(alice, reply.data!.messageUId);
    await settle(500);
    const atBob = received(bob).filter((m) => m.senderUserId === 'alice2');
    expect(atBob.map((m) => m.messageUId)).toEqual(uids);
    expect(received(alice).filter((m) => m.messageUId === reply.data!.messageUId)).toHaveLength(1);
    // The sender's own device gets no copy of its own message back.
    expect(received(alice).filter((m) => uids.includes(m.messageUId))).toEqual([]);
  });

  it("syncs a message to the sender's other devices (direction 1, filed under the peer)", async () => {
    await register('bob5');
    const alice = await login('alice5');
    const token = String((await callServerApi(suite.server.url, 'user/getToken', { userId: 'alice5' }, suite.dev)).body.token);
    const desktop = new SyncingClient(() => suite.server.url, suite.dev.appKey, token, 'alice5-desktop');
    await desktop.connect();
    try {
      const sent = await alice.sendText(1, 'bob5', 'from the browser');
      await expect.poll(() => desktop.received.map((m) => m.msgId), { timeout: 5000 }).toContain(sent.data!.messageUId);
      expect(desktop.received.find((m) => m.msgId === sent.data!.messageUId)).toMatchObject({ direction: 1, fromUserId: 'bob5', type: 1 });
    } finally {
      desktop.disconnect();
    }
  });

  it('refuses a send to an unknown user with a status code', async () => {
    const alice = await login('alice3');
    const sent = await alice.sendText(1, 'nobody-here', 'hi');
    expect(sent.code).toBe(26010);
  });

  it('answers history and the conversation list', async () => {
    const alice = await login('alice4');
    await register('bob4');
    for (const text of ['h0', 'h1', 'h2', 'h3', 'h4']) expect((await alice.sendText(1, 'bob4', text)).code).toBe(0);

    const page = await alice.getHistoryMessages(1, 'bob4', { timestamp: 0, count: 3, order: 0 });
    expect(page.code).toBe(0);
    expect(page.data!.list.map((m) => (m.content as { content: string }).content)).toEqual(['h2', 'h3', 'h4']);
    expect(page.data!.hasMore).toBe(true);
    const next = await alice.getHistoryMessages(1, 'bob4', { timestamp: page.data!.list[0]!.sentTime, count: 3, order: 0 });
    expect(next.data!.list.map((m) => (m.content as { content: string }).content)).toEqual(['h0', 'h1']);
    expect(next.data!.hasMore).toBe(false);

    const conversations = await alice.getConversationList();
    expect(conversations.code).toBe(0);
    const withBob = conversations.data!.find((c) => c.targetId === 'bob4');
    expect(withBob).toMatchObject({ conversationType: 1, targetId: 'bob4' });
    expect((withBob!.latestMessage?.content as { content: string }).content).toBe('h4');
  });
});

describe('official Web SDK: groups', () => {
  it('delivers a group message to every other member once, and refuses non-members', async () => {
    await callServerApi(suite.server.url, 'group/create', { userId: ['galice', 'gbob', 'gcarol'], groupId: 'g1', groupName: 'Group one' }, suite.dev);
    const alice = await login('galice');
    const bob = await login('gbob');
    const carol = await login('gcarol');
    const sent = await alice.sendText(3, 'g1', 'hello group');
    expect(sent.code).toBe(0);
    for (const member of [bob, carol]) {
      expect(await receivedWithUid(member, sent.data!.messageUId)).toMatchObject({
        conversationType: 3,
        targetId: 'g1',
        senderUserId: 'galice',
        content: { content: 'hello group' },
      });
    }
    const outsider = await login('gdave');
    expect((await outsider.sendText(3, 'g1', 'let me in')).code).toBe(22406);
    await settle(500);
    for (const member of [bob, carol]) expect(received(member).filter((m) => m.messageUId === sent.data!.messageUId)).toHaveLength(1);
    expect(received(bob).some((m) => (m.content as { content?: string }).content === 'let me in')).toBe(false);
  });
});
