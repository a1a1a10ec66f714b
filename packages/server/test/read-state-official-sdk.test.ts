import { decodePayload, encodePayload, type ServerFrame, type UpStreamMessage } from '@parley/protocol';
import type { IAReceivedConversation, IAReceivedMessage } from '@rongcloud/imlib-next';
import { describe, expect, it } from 'vitest';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';
import { RawClient } from './support/raw-client.js';

/**
 * Send variants and read state with the unmodified official Web SDK: directed group messages,
 * typing, private and group read receipts, and unread kept by the server (navigation `grpRRVer: 1`,
 * `serverSaveUnread: 1`).
 */
const suite = officialSdkSuite();
const { login, tokenFor, createGroup } = suite;

const PRIVATE = 1;
const GROUP = 3;
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

/** Another device of a user: a bare client that records the server's pushes (s_msg, s_cmd, s_ntf). */
async function rawDevice(userId: string): Promise<RawClient> {
  const raw = await RawClient.open(suite.server.url);
  const ack = await raw.connect(suite.dev.appKey, await tokenFor(userId), { platform: 'desktop' });
  expect(ack).toMatchObject({ type: 'CONNACK', status: 0 });
  return raw;
}

function received(client: OfficialClient): IAReceivedMessage[] {
  return client.payloadsOf('MESSAGES').flatMap((p) => p.messages);
}

async function sendText(client: OfficialClient, type: number, targetId: string, text: string, options?: Record<string, unknown>): Promise<IAReceivedMessage> {
  const sent = await client.call<IAReceivedMessage>('sendTextBody', { conversationType: type, targetId, body: { content: text }, options });
  expect(sent.code).toBe(0);
  return sent.data!;
}

async function historyTexts(client: OfficialClient, type: number, targetId: string): Promise<string[]> {
  const page = await client.getHistoryMessages(type, targetId, { timestamp: 0, count: 20, order: 0 });
  expect(page.code).toBe(0);
  return page.data!.list.map((m) => (m.content as { content?: string }).content ?? m.messageType);
}

async function conversation(client: OfficialClient, type: number, targetId: string): Promise<IAReceivedConversation | undefined> {
  const list = await client.getConversationList();
  expect(list.code).toBe(0);
  return list.data!.find((c) => c.conversationType === type && c.targetId === targetId);
}

/** A device of `userId` that logged in and has synced the server's unread and pulled up to the message saying `lastText`. */
async function syncedDevice(userId: string, lastText: string): Promise<OfficialClient> {
  const device = await login(userId);
  await device.waitForEvent('SYNC_SERVER_SAVE_UNREAD_COMPLETED');
  await device.waitForEvent('MESSAGES', (p) => p.messages.some((m) => (m.content as { content?: string }).content === lastText));
  return device;
}

async function unreadCount(client: OfficialClient, type: number, targetId: string): Promise<number | undefined> {
  return (await client.call<number>('getUnreadCount', { conversationType: type, targetId })).data;
}

const pushes = (raw: RawClient, topic: string): ServerFrame[] => raw.frames.filter((f) => f.type === 'PUBLISH' && f.topic === topic);

/** Sends as a bare device would and waits for the PUBACK. */
async function publish(raw: RawClient, topic: string, targetId: string, up: Omit<UpStreamMessage, 'toUserIds'> & { toUserIds?: string[] }): Promise<ServerFrame> {
  const messageId = 1 + raw.frames.length;
  raw.send({ type: 'PUBLISH', header: { qos: 1 }, topic, targetId, messageId, payload: encodePayload('UpStreamMessage', { toUserIds: [], ...up }) });
  return raw.nextFrame((f) => f.type === 'PUBACK' && f.messageId === messageId);
}

describe('official Web SDK: directed group messages', () => {
  it('delivers and shows a directed message only to the listed members and the sender, on every device, fresh ones included', async () => {
    await createGroup('dg1', ['dg-alice', 'dg-bob', 'dg-carol']);
    const alice = await login('dg-alice');
    const bob = await login('dg-bob');
    const carol = await login('dg-carol');
    const directed = await sendText(alice, GROUP, 'dg1', 'for bob only', { directionalUserIdList: ['dg-bob'] });
    const open = await sendText(alice, GROUP, 'dg1', 'for everyone');

    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === open.messageUId));
    expect(received(bob).find((m) => m.messageUId === directed.messageUId)).toMatchObject({ directedUserIds: ['dg-bob'], content: { content: 'for bob only' } });
    await carol.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === open.messageUId));
    await settle();
    expect(received(carol).map((m) => m.messageUId)).not.toContain(directed.messageUId);

    expect(await historyTexts(bob, GROUP, 'dg1')).toEqual(['for bob only', 'for everyone']);
    expect(await historyTexts(alice, GROUP, 'dg1')).toEqual(['for bob only', 'for everyone']);
    expect(await historyTexts(carol, GROUP, 'dg1')).toEqual(['for everyone']);

    // A directed message that is the latest stays out of the others' conversation lists.
    const last = await sendText(alice, GROUP, 'dg1', 'bob again', { directionalUserIdList: ['dg-bob'] });
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === last.messageUId));
    expect((await conversation(carol, GROUP, 'dg1'))?.latestMessage?.messageUId).toBe(open.messageUId);
    expect((await conversation(bob, GROUP, 'dg1'))?.latestMessage?.messageUId).toBe(last.messageUId);

    // A fresh device of carol's pulls and reads history from scratch: still nothing directed.
    await carol.close();
    const fresh = await login('dg-carol');
    await fresh.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === open.messageUId));
    await settle();
    expect(received(fresh).map((m) => m.messageUId).filter((uid) => uid === directed.messageUId || uid === last.messageUId)).toEqual([]);
    expect(await historyTexts(fresh, GROUP, 'dg1')).toEqual(['for everyone']);
  });

  it('refuses a directed message to someone who is not a member, and sends nothing', async () => {
    await createGroup('dg2', ['dg2-alice', 'dg2-bob']);
    await tokenFor('dg2-outsider');
    const alice = await login('dg2-alice');
    const bob = await login('dg2-bob');
    const refused = await alice.call('sendTextBody', { conversationType: GROUP, targetId: 'dg2', body: { content: 'x' }, options: { directionalUserIdList: ['dg2-bob', 'dg2-outsider'] } });
    expect(refused.code).toBe(26010);
    await settle();
    expect(received(bob)).toEqual([]);
  });
});

describe('official Web SDK: typing and other status messages', () => {
  it("shows typing to the peer's online devices only: never stored, never pulled later, not copied to the typist's other devices", async () => {
    const alice = await login('ty-alice');
    const bob = await login('ty-bob');
    const bobDesktop = await rawDevice('ty-bob');
    const aliceDesktop = await rawDevice('ty-alice');
    try {
      const typed = await alice.call('sendTypingStatusMessage', { conversationType: PRIVATE, targetId: 'ty-bob', typingContentType: 'RC:TxtMsg' });
      expect(typed.code).toBe(0);
      const event = await bob.waitForEvent('TYPING_STATUS');
      expect(event.payload).toMatchObject({
        status: [{ conversationType: PRIVATE, targetId: 'ty-alice', list: [{ userId: 'ty-alice', messageType: 'RC:TxtMsg' }] }],
      });
      const live = await bobDesktop.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_msg');
      if (live.type !== 'PUBLISH') throw new Error('not a PUBLISH');
      expect(decodePayload('DownStreamMessage', live.payload)).toMatchObject({ fromUserId: 'ty-alice', type: PRIVATE, classname: 'RC:TypSts' });
      await settle();
      expect(received(bob)).toEqual([]);
      expect(pushes(aliceDesktop, 's_msg')).toEqual([]);
      expect(pushes(bobDesktop, 's_ntf')).toEqual([]);
      expect(await historyTexts(bob, PRIVATE, 'ty-alice')).toEqual([]);
      expect(await conversation(bob, PRIVATE, 'ty-alice')).toBeUndefined();
    } finally {
      bobDesktop.close();
      aliceDesktop.close();
    }
    // Offline, it is lost: bob's next device pulls nothing.
    await bob.close();
    const later = await login('ty-bob');
    await settle();
    expect(received(later)).toEqual([]);
    expect(later.payloadsOf('TYPING_STATUS')).toEqual([]);
  });

  it('shows typing in a group to the other members, and refuses a non-member', async () => {
    await createGroup('tyg', ['tyg-alice', 'tyg-bob']);
    const alice = await login('tyg-alice');
    const bob = await login('tyg-bob');
    expect((await alice.call('sendTypingStatusMessage', { conversationType: GROUP, targetId: 'tyg', typingContentType: 'RC:TxtMsg' })).code).toBe(0);
    const event = await bob.waitForEvent('TYPING_STATUS');
    expect(event.payload).toMatchObject({ status: [{ conversationType: GROUP, targetId: 'tyg', list: [{ userId: 'tyg-alice' }] }] });
    const outsider = await login('tyg-outsider');
    // The Web SDK does not wait for the answer of a status message: it says 0 whatever the server does.
    expect((await outsider.call('sendTypingStatusMessage', { conversationType: GROUP, targetId: 'tyg', typingContentType: 'RC:TxtMsg' })).code).toBe(0);
    await settle();
    expect(bob.payloadsOf('TYPING_STATUS').flatMap((p) => (p as { status: { list: { userId: string }[] }[] }).status.flatMap((s) => s.list.map((l) => l.userId)))).not.toContain('tyg-outsider');
  });

  it('rate-limits a typing flood on its own budget: messages still go out', async () => {
    const alice = await login('tf-alice');
    const bobDesktop = await rawDevice('tf-bob');
    try {
      for (let i = 0; i < 60; i++) await alice.call('sendTypingStatusMessage', { conversationType: PRIVATE, targetId: 'tf-bob', typingContentType: 'RC:TxtMsg' });
      const sent = await sendText(alice, PRIVATE, 'tf-bob', 'still here');
      await bobDesktop.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_ntf');
      await settle();
      const statuses = pushes(bobDesktop, 's_msg').length;
      expect(statuses).toBeGreaterThanOrEqual(20);
      expect(statuses).toBeLessThan(60);
      expect(sent.messageUId).not.toBe('');
    } finally {
      bobDesktop.close();
    }
  });
});

describe('official Web SDK: private read receipts', () => {
  it("tells the peer and the reader's other devices, without history, conversation or unread changes", async () => {
    const alice = await login('rr-alice');
    const bob = await login('rr-bob');
    const sent = await sendText(alice, PRIVATE, 'rr-bob', 'read me');
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId));
    const bobDesktop = await rawDevice('rr-bob');
    try {
      const receipt = await bob.call('sendReadReceiptMessage', { targetId: 'rr-alice', messageUId: sent.messageUId, timestamp: sent.sentTime });
      expect(receipt.code).toBe(0);
      const event = await alice.waitForEvent('READ_RECEIPT_RECEIVED');
      expect(event.payload).toMatchObject({ conversation: { conversationType: PRIVATE, targetId: 'rr-bob' }, messageUId: sent.messageUId, sentTime: sent.sentTime });
      // bob's other device gets his receipt (it clears its unread with it) and an unread sync.
      await bobDesktop.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_cmd' && decodePayload('NotifyMsg', f.payload).type === 13);
      expect(received(alice).map((m) => m.messageType)).not.toContain('RC:ReadNtf');
      expect(await historyTexts(alice, PRIVATE, 'rr-bob')).toEqual(['read me']);
      expect(await historyTexts(bob, PRIVATE, 'rr-alice')).toEqual(['read me']);
      expect((await conversation(alice, PRIVATE, 'rr-bob'))?.latestMessage?.messageUId).toBe(sent.messageUId);
      // The server's unread follows the receipt: a fresh device of bob's counts nothing.
      await bob.close();
      const fresh = await login('rr-bob');
      await fresh.waitForEvent('SYNC_SERVER_SAVE_UNREAD_COMPLETED');
      expect(await unreadCount(fresh, PRIVATE, 'rr-alice')).toBe(0);
    } finally {
      bobDesktop.close();
    }
  });
});

describe('official Web SDK: group read receipts v2', () => {
  it('counts readers for the sender, once each, and shows who read only to the sender', async () => {
    await createGroup('rg1', ['rg-alice', 'rg-bob', 'rg-carol']);
    const alice = await login('rg-alice');
    const bob = await login('rg-bob');
    const carol = await login('rg-carol');
    const sent = await sendText(alice, GROUP, 'rg1', 'did you read it?');
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === sent.messageUId));

    expect((await bob.call('sendReadReceiptResponseV2', { targetId: 'rg1', messageList: { 'rg-alice': [sent.messageUId] } })).code).toBe(0);
    const count = await alice.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:RRMsg'));
    expect(count.payload.messages.find((m) => m.messageType === 'RC:RRMsg')).toMatchObject({
      conversationType: GROUP,
      targetId: 'rg1',
      senderUserId: 'rg-bob',
      content: { msgId: sent.messageUId, rrn: 1, tmn: 2 },
    });
    const readers = await alice.call<{ totalMemberCount: number; list: { userId: string; readTime: number }[] }>('getMessageReader', { targetId: 'rg1', messageUId: sent.messageUId });
    expect(readers.code).toBe(0);
    expect(readers.data).toMatchObject({ totalMemberCount: 2, list: [{ userId: 'rg-bob' }] });
    expect(readers.data!.list[0]!.readTime).toBeGreaterThanOrEqual(sent.sentTime);

    // Whose data: only the sender sees who read it.
    expect((await carol.call('getMessageReader', { targetId: 'rg1', messageUId: sent.messageUId })).code).toBe(26320);
    // Again: nothing new, nothing told.
    expect((await bob.call('sendReadReceiptResponseV2', { targetId: 'rg1', messageList: { 'rg-alice': [sent.messageUId] } })).code).toBe(0);
    expect((await carol.call('sendReadReceiptResponseV2', { targetId: 'rg1', messageList: { 'rg-alice': [sent.messageUId] } })).code).toBe(0);
    await alice.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:RRMsg' && (m.content as { rrn: number }).rrn === 2));
    await settle();
    expect(received(alice).filter((m) => m.messageType === 'RC:RRMsg').map((m) => (m.content as { rrn: number }).rrn)).toEqual([1, 2]);
    // Read counts reach no one else.
    expect(received(bob).map((m) => m.messageType)).not.toContain('RC:RRMsg');
    expect(received(carol).map((m) => m.messageType)).not.toContain('RC:RRMsg');

    // Bad input: a UID of no message of this group, a group the reader is not in.
    expect((await bob.call('sendReadReceiptResponseV2', { targetId: 'rg1', messageList: { 'rg-alice': ['AAAA-BBBB-CCCC-DDDD'] } })).code).toBe(26009);
    const outsider = await login('rg-dave');
    expect((await outsider.call('sendReadReceiptResponseV2', { targetId: 'rg1', messageList: { 'rg-alice': [sent.messageUId] } })).code).toBe(22406);
    expect((await alice.call('getMessageReader', { targetId: 'rg-other', messageUId: sent.messageUId })).code).toBe(26009);
  });

  it('still carries v1 receipt requests (RC:RRReqMsg) to the members', async () => {
    await createGroup('rg2', ['rg2-alice', 'rg2-bob']);
    const alice = await login('rg2-alice');
    const bob = await login('rg2-bob');
    const sent = await sendText(alice, GROUP, 'rg2', 'v1');
    expect((await alice.call('sendReadReceiptRequest', { targetId: 'rg2', messageUId: sent.messageUId })).code).toBe(0);
    const request = await bob.waitForEvent('MESSAGE_RECEIPT_REQUEST');
    expect(request.payload).toMatchObject({ conversation: { conversationType: GROUP, targetId: 'rg2' }, messageUId: sent.messageUId, senderUserId: 'rg2-alice' });
  });
});

describe('official Web SDK: unread kept by the server', () => {
  it('counts unread on every device, fresh ones included, until marked read; the mark reaches only the reader', async () => {
    await tokenFor('su-bob');
    const alice = await login('su-alice');
    for (const text of ['one', 'two', 'three']) await sendText(alice, PRIVATE, 'su-bob', text);

    const bob = await syncedDevice('su-bob', 'three');
    expect(await unreadCount(bob, PRIVATE, 'su-alice')).toBe(3);
    // The SDK leaves unread to the server now: its local clear is refused.
    expect((await bob.call('clearMessagesUnreadStatus', { conversationType: PRIVATE, targetId: 'su-alice' })).code).toBe(34435);

    const bobDesktop = await rawDevice('su-bob');
    try {
      expect((await bob.call('markRemoteConversationAsRead', { conversationType: PRIVATE, targetId: 'su-alice' })).code).toBe(0);
      expect(await unreadCount(bob, PRIVATE, 'su-alice')).toBe(0);
      const cmd = await bobDesktop.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_cmd');
      if (cmd.type !== 'PUBLISH') throw new Error('not a PUBLISH');
      expect(decodePayload('NotifyMsg', cmd.payload).type).toBe(13);
      await settle();
      // The mark is bob's own: alice never hears of it.
      expect(received(alice).map((m) => m.messageType)).not.toContain('RC:SRSMsg');
    } finally {
      bobDesktop.close();
    }

    // A fresh device: everything pulled from scratch, and still read.
    await bob.close();
    const fresh = await syncedDevice('su-bob', 'three');
    expect(await unreadCount(fresh, PRIVATE, 'su-alice')).toBe(0);

    // New messages count from the mark on, on a device that was offline when they came.
    await fresh.close();
    await sendText(alice, PRIVATE, 'su-bob', 'four');
    await sendText(alice, PRIVATE, 'su-bob', 'five');
    const again = await syncedDevice('su-bob', 'five');
    await settle(300);
    expect(await unreadCount(again, PRIVATE, 'su-alice')).toBe(2);
  });

  it('syncs a mark made on one device to another that is online, and counts group mentions', async () => {
    await createGroup('sug', ['sug-alice', 'sug-bob']);
    const alice = await login('sug-alice');
    await tokenFor('sug-bob');
    await sendText(alice, GROUP, 'sug', 'hi all');
    await alice.call('sendTextBody', {
      conversationType: GROUP,
      targetId: 'sug',
      body: { content: '@bob look', mentionedInfo: { type: 2, userIdList: ['sug-bob'] } },
      options: { isMentioned: true },
    });
    const bob = await login('sug-bob');
    await bob.waitForEvent('SYNC_SERVER_SAVE_UNREAD_COMPLETED');
    const before = await bob.call<IAReceivedConversation>('getConversation', { conversationType: GROUP, targetId: 'sug' });
    expect(before.data).toMatchObject({ unreadMessageCount: 2, unreadMentionedCount: 1, hasMentioned: true });

    // bob's other device marks the group read: this one hears s_cmd 13, syncs, and shows 0.
    const other = await rawDevice('sug-bob');
    try {
      const conversationsBefore = bob.payloadsOf('CONVERSATION').length;
      const mark = await publish(other, 'pgMsgP', 'sug', {
        sessionId: 0,
        classname: 'RC:SRSMsg',
        content: JSON.stringify({ lastMessageSendTime: Date.now() }),
        toUserIds: ['sug-bob'],
      });
      expect(mark).toMatchObject({ status: 0 });
      await expect.poll(() => bob.payloadsOf('CONVERSATION').length, { timeout: 5000 }).toBeGreaterThan(conversationsBefore);
      await expect
        .poll(async () => (await bob.call<IAReceivedConversation>('getConversation', { conversationType: GROUP, targetId: 'sug' })).data?.unreadMessageCount, { timeout: 5000 })
        .toBe(0);
      await settle();
      expect(received(alice).map((m) => m.messageType)).not.toContain('RC:SRSMsg');
    } finally {
      other.close();
    }
  });
  it('lowers the count when a message still unread is recalled, and only by the recalls made after the count it synced', async () => {
    const alice = await login('sur-alice');
    const bob = await login('sur-bob');
    const unread = () => unreadCount(bob, PRIVATE, 'sur-alice');
    const first = await sendText(alice, PRIVATE, 'sur-bob', 'one');
    const second = await sendText(alice, PRIVATE, 'sur-bob', 'two');
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageUId === second.messageUId));
    expect(await unread()).toBe(2);

    const recall = (message: IAReceivedMessage) =>
      alice.call('recallMessage', { conversationType: PRIVATE, targetId: 'sur-bob', options: { messageUId: message.messageUId, sentTime: message.sentTime } });
    expect((await recall(second)).code).toBe(0);
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:RcCmd'));
    await expect.poll(unread, { timeout: 5000 }).toBe(1);

    // Read, then recalled: the count stays where the mark put it.
    expect((await bob.call('markRemoteConversationAsRead', { conversationType: PRIVATE, targetId: 'sur-alice' })).code).toBe(0);
    expect((await recall(first)).code).toBe(0);
    await expect.poll(() => received(bob).filter((m) => m.messageType === 'RC:RcCmd').length, { timeout: 5000 }).toBe(2);
    await settle(300);
    expect(await unread()).toBe(0);

    // A device that syncs after a recall counts without the recalled message, and does not lower its count again.
    const third = await sendText(alice, PRIVATE, 'sur-bob', 'three');
    await sendText(alice, PRIVATE, 'sur-bob', 'four');
    await bob.close();
    expect((await recall(third)).code).toBe(0);
    const fresh = await syncedDevice('sur-bob', 'four');
    await settle(300);
    expect(await unreadCount(fresh, PRIVATE, 'sur-alice')).toBe(1);
  });

  it("lowers the count on the user's other devices when they delete or clear unread messages", async () => {
    await tokenFor('sud-bob');
    const alice = await login('sud-alice');
    const sent: IAReceivedMessage[] = [];
    for (const text of ['one', 'two', 'three']) sent.push(await sendText(alice, PRIVATE, 'sud-bob', text));
    const bob = await login('sud-bob');
    await bob.waitForEvent('SYNC_SERVER_SAVE_UNREAD_COMPLETED');
    const unread = () => unreadCount(bob, PRIVATE, 'sud-alice');
    await expect.poll(unread, { timeout: 5000 }).toBe(3);

    const other = await rawDevice('sud-bob');
    try {
      const query = async (topic: string, payload: Uint8Array) => {
        const messageId = 1 + other.frames.length;
        other.send({ type: 'QUERY', topic, targetId: 'sud-bob', messageId, payload });
        return other.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId);
      };
      const deleted = await query('delMsg', encodePayload('DeleteMsgInput', { type: PRIVATE, conversationId: 'sud-alice', msgs: [{ msgId: sent[2]!.messageUId }] }));
      expect(deleted).toMatchObject({ status: 0 });
      await expect.poll(unread, { timeout: 5000 }).toBe(2);
      const cleared = await query('cleanPMsg', encodePayload('CleanHisMsgInput', { targetId: 'sud-alice', dataTime: sent[0]!.sentTime, conversationType: PRIVATE }));
      expect(cleared).toMatchObject({ status: 0 });
      await expect.poll(unread, { timeout: 5000 }).toBe(1);
    } finally {
      other.close();
    }
  });
});
