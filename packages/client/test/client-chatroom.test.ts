import { afterEach, describe, expect, it } from 'vitest';
import { IMClient, type Message } from '@parley/client';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { connectedDevice } from './support/connected-device.js';

/** Chatrooms through @parley/client: join with recent messages, live messages, quit, history, info, key-values. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CHATROOM = 4;
const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });
const texts = (messages: Message[]) => messages.map((m) => (m.content as { content?: string }).content);
const settle = (ms = 500) => new Promise((r) => setTimeout(r, ms));

interface Device {
  c: IMClient;
  received: Message[];
}

async function server(): Promise<TestServer> {
  const started = await startTestServer();
  cleanups.push(() => started.stop());
  return started;
}

const device = (s: TestServer, userId: string): Promise<Device> => connectedDevice(s, userId, cleanups);

describe('@parley/client chatrooms', () => {
  it('joins with the recent messages asked for, delivers live messages, stops at quit, and keeps them out of the conversation list', async () => {
    const s = await server();
    const alice = await device(s, 'cc-alice');
    const bob = await device(s, 'cc-bob');
    await expect(bob.c.joinExistChatRoom('cc-room', 5)).rejects.toMatchObject({ code: 23410 });
    expect(await alice.c.joinChatRoom('cc-room', -1)).toMatchObject({ memberCount: 1 });
    for (const t of ['one', 'two', 'three']) expect(await alice.c.sendChatRoomMessage('cc-room', text(t))).toMatchObject({ conversationType: CHATROOM, targetId: 'cc-room', messageDirection: 1 });

    expect(await bob.c.joinExistChatRoom('cc-room', 2)).toMatchObject({ memberCount: 2 });
    await expect.poll(() => texts(bob.received)).toEqual(['two', 'three']);
    await alice.c.sendChatRoomMessage('cc-room', text('live'));
    await expect.poll(() => texts(bob.received)).toEqual(['two', 'three', 'live']);
    expect(bob.received.at(-1)).toMatchObject({ senderUserId: 'cc-alice', conversationType: CHATROOM, targetId: 'cc-room', messageDirection: 2 });

    await bob.c.quitChatRoom('cc-room');
    await alice.c.sendChatRoomMessage('cc-room', text('after quit'));
    await settle();
    expect(texts(bob.received)).toEqual(['two', 'three', 'live']);
    expect(texts(alice.received)).toEqual([]);
    await expect(bob.c.sendChatRoomMessage('cc-room', text('no'))).rejects.toMatchObject({ code: 23406 });
    expect(await bob.c.getConversationList()).toEqual([]);
  });

  it('serves history, info and key-values', async () => {
    const s = await server();
    const alice = await device(s, 'ck-alice');
    const bob = await device(s, 'ck-bob');
    await alice.c.joinChatRoom('ck-room', -1);
    await bob.c.joinChatRoom('ck-room', -1);
    for (const t of ['h1', 'h2', 'h3']) await alice.c.sendChatRoomMessage('ck-room', text(t));
    expect(texts(await bob.c.getChatRoomHistoryMessages('ck-room', { count: 2 }))).toEqual(['h3', 'h2']);
    const info = await bob.c.getChatRoomInfo('ck-room', { count: 10, order: 1 });
    expect(info).toMatchObject({ userCount: 2, userInfos: [{ id: 'ck-alice' }, { id: 'ck-bob' }] });

    await alice.c.setChatRoomEntry('ck-room', 'topic', 'weather');
    await expect.poll(() => bob.c.getAllChatRoomEntries('ck-room')).toEqual({ topic: 'weather' });
    await expect(bob.c.setChatRoomEntry('ck-room', 'topic', 'sports')).rejects.toMatchObject({ code: 23424 });
    await bob.c.setChatRoomEntry('ck-room', 'topic', 'sports', { force: true });
    await expect.poll(() => alice.c.getAllChatRoomEntries('ck-room')).toEqual({ topic: 'sports' });
    await bob.c.removeChatRoomEntry('ck-room', 'topic');
    await expect.poll(() => alice.c.getAllChatRoomEntries('ck-room')).toEqual({});
    await expect(alice.c.joinChatRoom('bad room')).rejects.toMatchObject({ code: 33003 });
  });
});
