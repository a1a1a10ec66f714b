import { AckStatus } from '@parley/protocol';
import type { IAReceivedMessage } from '@rongcloud/imlib-next';
import { describe, expect, it } from 'vitest';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';

/**
 * Chatrooms with the unmodified official Web SDK: join (creating or only existing rooms) with the
 * recent messages the join asks for, live messages between members, quit, bounded history, room
 * info and key-values with their notices.
 */
const suite = officialSdkSuite();
const { login } = suite;

const CHATROOM = 4;
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

interface ChatroomEntryUpdate {
  chatroomId: string;
  key: string;
  value: string;
  type: number;
}

function chatroom<T = unknown>(client: OfficialClient, method: string, ...args: unknown[]) {
  return client.call<T>('chatroom', { method, args });
}

async function say(client: OfficialClient, roomId: string, text: string): Promise<IAReceivedMessage> {
  const sent = await client.call<IAReceivedMessage>('sendTextBody', { conversationType: CHATROOM, targetId: roomId, body: { content: text } });
  expect(sent.code).toBe(0);
  return sent.data!;
}

function roomTexts(client: OfficialClient, roomId: string): string[] {
  return client
    .payloadsOf('MESSAGES')
    .flatMap((p) => p.messages)
    .filter((m) => m.conversationType === CHATROOM && m.targetId === roomId)
    .map((m) => (m.content as { content?: string }).content ?? m.messageType);
}

async function waitForText(client: OfficialClient, roomId: string, text: string): Promise<void> {
  await client.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.targetId === roomId && (m.content as { content?: string }).content === text));
}

function entryUpdates(client: OfficialClient): ChatroomEntryUpdate[] {
  return client.payloadsOf('CHATROOM').flatMap((p) => ((p as { updatedEntries?: ChatroomEntryUpdate[] }).updatedEntries ?? []));
}

describe('official Web SDK: chatrooms', () => {
  it('joinChatRoom creates the room, joinExistChatRoom does not; a join brings the count of recent messages asked for', async () => {
    const alice = await login('cr-alice');
    const bob = await login('cr-bob');
    expect((await chatroom(bob, 'joinExistChatRoom', 'cr-nowhere', { count: 5 })).code).toBe(AckStatus.CHATROOM_NOT_EXIST);
    const joined = await chatroom<{ memberCount: number }>(alice, 'joinExistChatRoom', 'cr-lobby', { count: -1 });
    expect(joined.code).toBe(AckStatus.CHATROOM_NOT_EXIST);
    expect((await chatroom(alice, 'joinChatRoom', 'cr-lobby', { count: -1 })).code).toBe(0);
    for (const text of ['one', 'two', 'three']) await say(alice, 'cr-lobby', text);

    const exists = await chatroom<{ memberCount: number }>(bob, 'joinExistChatRoom', 'cr-lobby', { count: 2 });
    expect(exists.code).toBe(0);
    expect(exists.data?.memberCount).toBe(2);
    await waitForText(bob, 'cr-lobby', 'three');
    expect(roomTexts(bob, 'cr-lobby')).toEqual(['two', 'three']);
  });

  it('delivers live messages to the other members, not back to the sender, and stops at quit', async () => {
    const alice = await login('cr-ann');
    const bob = await login('cr-ben');
    const carol = await login('cr-cat');
    for (const member of [alice, bob, carol]) expect((await chatroom(member, 'joinChatRoom', 'cr-live', { count: -1 })).code).toBe(0);

    await say(alice, 'cr-live', 'hello room');
    await Promise.all([waitForText(bob, 'cr-live', 'hello room'), waitForText(carol, 'cr-live', 'hello room')]);
    const received = bob.payloadsOf('MESSAGES').flatMap((p) => p.messages).find((m) => m.targetId === 'cr-live');
    expect(received).toMatchObject({ senderUserId: 'cr-ann', conversationType: CHATROOM, messageDirection: 2 });

    expect((await chatroom(carol, 'quitChatRoom', 'cr-live')).code).toBe(0);
    await say(bob, 'cr-live', 'after carol left');
    await waitForText(alice, 'cr-live', 'after carol left');
    await settle();
    expect(roomTexts(carol, 'cr-live')).toEqual(['hello room']);
    expect(roomTexts(alice, 'cr-live')).toEqual(['after carol left']);
    expect(roomTexts(bob, 'cr-live')).toEqual(['hello room']);

    // Sending to or reading a room one is not in.
    const refused = await carol.call('sendTextBody', { conversationType: CHATROOM, targetId: 'cr-live', body: { content: 'let me in' } });
    expect(refused.code).toBe(AckStatus.NOT_IN_CHATROOM);
    expect((await chatroom(carol, 'getChatroomHistoryMessages', 'cr-live', { count: 10, order: 0, timestamp: 0 })).code).toBe(AckStatus.NOT_IN_CHATROOM);
  });

  it('serves history newest first, and room info with the member count and a page of members', async () => {
    const alice = await login('cr-amy');
    const bob = await login('cr-bo');
    expect((await chatroom(alice, 'joinChatRoom', 'cr-history', { count: -1 })).code).toBe(0);
    for (const text of ['h1', 'h2', 'h3', 'h4']) await say(alice, 'cr-history', text);
    expect((await chatroom(bob, 'joinChatRoom', 'cr-history', { count: -1 })).code).toBe(0);

    const page = await chatroom<{ hasMore: boolean; list: IAReceivedMessage[] }>(bob, 'getChatroomHistoryMessages', 'cr-history', { count: 3, order: 0, timestamp: 0 });
    expect(page.code).toBe(0);
    expect(page.data?.list.map((m) => (m.content as { content: string }).content)).toEqual(['h4', 'h3', 'h2']);
    expect(page.data?.hasMore).toBe(true);

    const info = await chatroom<{ userCount: number; userInfos: { id: string }[] }>(bob, 'getChatRoomInfo', 'cr-history', { count: 5, order: 1 });
    expect(info.code).toBe(0);
    expect(info.data?.userCount).toBe(2);
    expect(info.data?.userInfos.map((u) => u.id)).toEqual(['cr-amy', 'cr-bo']);
    const latestFirst = await chatroom<{ userInfos: { id: string }[] }>(bob, 'getChatRoomInfo', 'cr-history', { count: 1, order: 2 });
    expect(latestFirst.data?.userInfos.map((u) => u.id)).toEqual(['cr-bo']);
  });

  it('sets, notifies and removes key-values, refusing to overwrite another user’s key without force', async () => {
    const alice = await login('cr-al');
    const bob = await login('cr-bb');
    for (const member of [alice, bob]) expect((await chatroom(member, 'joinChatRoom', 'cr-kv', { count: -1 })).code).toBe(0);
    await alice.waitForEvent('CHATROOM', (p) => (p as { entriesSynced?: string }).entriesSynced === 'cr-kv');

    expect((await chatroom(bob, 'setChatRoomEntry', 'cr-kv', { key: 'topic', value: 'weather', isSendNotification: true, notificationExtra: 'why' })).code).toBe(0);
    await alice.waitForEvent('CHATROOM', (p) => entryUpdates({ payloadsOf: () => [p] } as unknown as OfficialClient).some((e) => e.key === 'topic'));
    expect(entryUpdates(alice).find((e) => e.key === 'topic')).toMatchObject({ chatroomId: 'cr-kv', value: 'weather', type: 1 });
    expect((await chatroom<string>(alice, 'getChatRoomEntry', 'cr-kv', 'topic')).data).toBe('weather');
    // The notification message reaches the room as bob's RC:chrmKVNotiMsg.
    await alice.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:chrmKVNotiMsg'));

    expect((await chatroom(alice, 'setChatRoomEntry', 'cr-kv', { key: 'topic', value: 'sports' })).code).toBe(AckStatus.CHATROOM_KV_OVERWRITE_INVALID);
    expect((await chatroom(alice, 'removeChatRoomEntry', 'cr-kv', { key: 'topic' })).code).toBe(AckStatus.CHATROOM_KV_OVERWRITE_INVALID);
    expect((await chatroom(alice, 'removeChatRoomEntry', 'cr-kv', { key: 'absent' })).code).toBe(AckStatus.CHATROOM_KEY_NOT_EXIST);
    expect((await chatroom(alice, 'forceSetChatRoomEntry', 'cr-kv', { key: 'topic', value: 'sports' })).code).toBe(0);
    await bob.waitForEvent('CHATROOM', () => entryUpdates(bob).some((e) => e.key === 'topic' && e.value === 'sports'));

    expect((await chatroom(alice, 'removeChatRoomEntry', 'cr-kv', { key: 'topic' })).code).toBe(0);
    await bob.waitForEvent('CHATROOM', () => entryUpdates(bob).some((e) => e.key === 'topic' && e.type === 2));
    expect((await chatroom(bob, 'getChatRoomEntry', 'cr-kv', 'topic')).code).toBe(AckStatus.CHATROOM_KEY_NOT_EXIST);
    expect((await chatroom(bob, 'getAllChatRoomEntries', 'cr-kv')).data).toEqual({});
  });
});
