import { afterEach, describe, expect, it } from 'vitest';
import { IMClient, type InitOptions, type Message, type ReadReceipt, type TypingStatus } from '@parley/client';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

/** Typing, directed group messages, receipts and server-side unread through @parley/client. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PRIVATE = 1;
const GROUP = 3;
const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });
const texts = (messages: Message[]) => messages.map((m) => (m.content as { content?: string }).content);
const settle = (ms = 500) => new Promise((r) => setTimeout(r, ms));

async function server(): Promise<TestServer> {
  const started = await startTestServer();
  cleanups.push(() => started.stop());
  return started;
}

interface Device {
  c: IMClient;
  received: Message[];
  typing: TypingStatus[];
  receipts: ReadReceipt[];
}

/** A connected device of `userId`, with a database of its own (a fresh device) unless one is given. */
async function device(s: TestServer, userId: string, options: InitOptions = {}): Promise<Device> {
  const dir = makeTempDir('parley-client-read-');
  cleanups.push(dir.remove);
  const c = new IMClient();
  c.init(s.devApp.appKey, { dataDir: dir.path, ...options });
  const d: Device = { c, received: [], typing: [], receipts: [] };
  c.addMessageListener((messages) => d.received.push(...messages));
  c.addTypingStatusListener((status) => d.typing.push(status));
  c.addReadReceiptListener((receipt) => d.receipts.push(receipt));
  cleanups.push(() => c.disconnect());
  await c.connectAsync(String((await callServerApi(s.url, 'user/getToken', { userId }, s.devApp)).body.token));
  return d;
}

async function createGroup(s: TestServer, groupId: string, userIds: string[]): Promise<void> {
  expect((await callServerApi(s.url, 'group/create', { userId: userIds, groupId, groupName: groupId }, s.devApp)).body.code).toBe(200);
}

const unreadOf = async (d: Device, type: number, targetId: string) => d.c.getUnreadCount(type, targetId);

describe('@parley/client typing and read state', () => {
  it('shows typing to the peer and the group, live only, never as a message', async () => {
    const s = await server();
    await createGroup(s, 'cg', ['ct-alice', 'ct-bob']);
    const alice = await device(s, 'ct-alice');
    const bob = await device(s, 'ct-bob');
    alice.c.sendTypingStatus(PRIVATE, 'ct-bob', 'RC:TxtMsg');
    await expect.poll(() => bob.typing).toEqual([expect.objectContaining({ conversationType: PRIVATE, targetId: 'ct-alice', userId: 'ct-alice', typingContentType: 'RC:TxtMsg' })]);
    alice.c.sendTypingStatus(GROUP, 'cg');
    await expect.poll(() => bob.typing.at(-1)).toMatchObject({ conversationType: GROUP, targetId: 'cg', userId: 'ct-alice' });
    await settle();
    expect(bob.received).toEqual([]);
    expect(alice.typing).toEqual([]);
    expect(await bob.c.getConversationList()).toEqual([]);
    expect(() => alice.c.sendTypingStatus(9, 'ct-bob')).toThrow(expect.objectContaining({ code: 33003 }));
  });

  it('keeps a directed group message from the members it does not name, in delivery and history', async () => {
    const s = await server();
    await createGroup(s, 'cd', ['cd-alice', 'cd-bob', 'cd-carol']);
    const bob = await device(s, 'cd-bob');
    const carol = await device(s, 'cd-carol');
    const publish = (content: string, toUserId?: string) =>
      callServerApi(s.url, 'message/group/publish', { fromUserId: 'cd-alice', toGroupId: 'cd', objectName: 'RC:TxtMsg', content: JSON.stringify({ content }), ...(toUserId ? { toUserId } : {}) }, s.devApp);
    expect((await publish('for bob', 'cd-bob')).body.code).toBe(200);
    expect((await publish('for all')).body.code).toBe(200);
    await expect.poll(() => texts(bob.received)).toEqual(['for bob', 'for all']);
    await expect.poll(() => texts(carol.received)).toEqual(['for all']);
    const fresh = await device(s, 'cd-carol', { platform: 'mobile' });
    expect(texts(await fresh.c.getHistoryMessages(GROUP, 'cd'))).toEqual(['for all']);
    expect(texts(await bob.c.getHistoryMessages(GROUP, 'cd'))).toEqual(['for all', 'for bob']);
  });

  it("tells the peer of a private read receipt, and clears the reader's unread on all their devices", async () => {
    const s = await server();
    const alice = await device(s, 'cr-alice');
    const bob = await device(s, 'cr-bob');
    const bobPhone = await device(s, 'cr-bob', { platform: 'mobile' });
    const sent = await alice.c.sendMessage(PRIVATE, 'cr-bob', text('read me'));
    await expect.poll(() => texts(bobPhone.received)).toEqual(['read me']);
    await expect.poll(() => unreadOf(bob, PRIVATE, 'cr-alice')).toBe(1);
    expect(await unreadOf(bobPhone, PRIVATE, 'cr-alice')).toBe(1);

    await bob.c.sendReadReceipt(bob.received[0]!);
    await expect.poll(() => alice.receipts).toEqual([{ conversationType: PRIVATE, targetId: 'cr-bob', messageUId: sent.messageUId, readTime: sent.sentTime }]);
    expect(await unreadOf(bob, PRIVATE, 'cr-alice')).toBe(0);
    await expect.poll(() => unreadOf(bobPhone, PRIVATE, 'cr-alice')).toBe(0);
    // Not a message: nothing new in history or the conversation list.
    expect(texts(await alice.c.getHistoryMessages(PRIVATE, 'cr-bob'))).toEqual(['read me']);
    expect(bobPhone.received).toHaveLength(1);
    await expect(bob.c.sendReadReceipt({ ...sent, conversationType: GROUP })).rejects.toMatchObject({ code: 33003 });
  });

  it('counts group readers for the sender alone, and answers who read only to the sender', async () => {
    const s = await server();
    await createGroup(s, 'cgr', ['cgr-alice', 'cgr-bob', 'cgr-carol']);
    const alice = await device(s, 'cgr-alice');
    const bob = await device(s, 'cgr-bob');
    const carol = await device(s, 'cgr-carol');
    const sent = await alice.c.sendMessage(GROUP, 'cgr', text('did you see it?'));
    await expect.poll(() => bob.received).toHaveLength(1);

    await bob.c.sendReadReceiptResponse('cgr', [sent.messageUId]);
    await bob.c.sendReadReceiptResponse('cgr', [sent.messageUId]);
    await expect.poll(() => alice.receipts).toEqual([{ conversationType: GROUP, targetId: 'cgr', messageUId: sent.messageUId, readCount: 1, totalCount: 2 }]);
    const readers = await alice.c.getMessageReader('cgr', sent.messageUId);
    expect(readers).toMatchObject({ totalMemberCount: 2, list: [{ userId: 'cgr-bob' }] });
    await expect(carol.c.getMessageReader('cgr', sent.messageUId)).rejects.toMatchObject({ code: 26320 });
    await expect(bob.c.sendReadReceiptResponse('cgr', ['NONE-NONE-NONE-NONE'])).rejects.toMatchObject({ code: 26009 });
    await settle();
    expect(alice.receipts).toHaveLength(1);
    expect([...bob.receipts, ...carol.receipts]).toEqual([]);
    expect(texts(alice.received)).toEqual([]);
  });

  it('keeps unread on the server: the same on every device, fresh ones included, until marked read', async () => {
    const s = await server();
    const alice = await device(s, 'cu-alice');
    await callServerApi(s.url, 'user/getToken', { userId: 'cu-bob' }, s.devApp);
    for (const t of ['one', 'two', 'three']) await alice.c.sendMessage(PRIVATE, 'cu-bob', text(t));

    const bob = await device(s, 'cu-bob');
    await expect.poll(() => unreadOf(bob, PRIVATE, 'cu-alice')).toBe(3);
    const bobPhone = await device(s, 'cu-bob', { platform: 'mobile' });
    await expect.poll(() => unreadOf(bobPhone, PRIVATE, 'cu-alice')).toBe(3);

    await bob.c.markConversationAsRead(PRIVATE, 'cu-alice');
    expect(await bob.c.getUnreadCount()).toBe(0);
    // The other device hears of it (its own RC:SRSMsg, and an unread sync).
    await expect.poll(() => unreadOf(bobPhone, PRIVATE, 'cu-alice')).toBe(0);
    const [conversation] = await bobPhone.c.getConversationList();
    expect(conversation).toMatchObject({ targetId: 'cu-alice', unreadCount: 0 });
    expect(conversation!.lastReadTime).toBeGreaterThan(0);
    // Alice hears nothing of it.
    await settle();
    expect(alice.received).toEqual([]);

    await alice.c.sendMessage(PRIVATE, 'cu-bob', text('four'));
    await expect.poll(() => unreadOf(bobPhone, PRIVATE, 'cu-alice')).toBe(1);
    // A fresh device (its own empty database) shows the server's count.
    bobPhone.c.disconnect();
    const fresh = await device(s, 'cu-bob', { platform: 'mobile' });
    await expect.poll(() => unreadOf(fresh, PRIVATE, 'cu-alice')).toBe(1);
    expect(await fresh.c.getUnreadCount()).toBe(1);
    await expect(fresh.c.markConversationAsRead(9, 'cu-alice')).rejects.toMatchObject({ code: 33003 });
  });
});
