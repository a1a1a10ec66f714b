import type { IAReceivedMessage } from '@rongcloud/imlib-next';
import { describe, expect, it } from 'vitest';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';

/**
 * Status messages in a chatroom with the unmodified official Web SDK. The SDK sends them on
 * `chatMsg` without the PERSISTED flag (its status topic map has no chatroom entry): they reach the
 * members online at that moment and never enter the room's history or a later join's recent messages.
 */
const suite = officialSdkSuite();
const { login } = suite;

const CHATROOM = 4;
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

const chatroom = <T = unknown>(client: OfficialClient, method: string, ...args: unknown[]) => client.call<T>('chatroom', { method, args });

function roomTexts(client: OfficialClient, roomId: string): string[] {
  return client
    .payloadsOf('MESSAGES')
    .flatMap((p) => p.messages)
    .filter((m) => m.conversationType === CHATROOM && m.targetId === roomId)
    .map((m) => (m.content as { content?: string }).content ?? m.messageType);
}

/** An app's status message type, registered the way the SDK documents: not persisted, not counted, a status message. */
const STATUS_TYPE = 'App:Typing';

async function send(client: OfficialClient, roomId: string, text: string, status: boolean): Promise<{ code: number }> {
  return status
    ? client.call('sendRegisteredMessage', { conversationType: CHATROOM, targetId: roomId, messageType: STATUS_TYPE, content: { content: text }, isPersited: false, isCounted: false, isStatusMessage: true })
    : client.call('sendTextWithOptions', { conversationType: CHATROOM, targetId: roomId, text, options: {} });
}

describe('official Web SDK: chatroom status messages', () => {
  it('go live to the members online, never into history or a later join', async () => {
    const alice = await login('crs-alice');
    const bob = await login('crs-bob');
    for (const member of [alice, bob]) expect((await chatroom(member, 'joinChatRoom', 'crs-room', { count: -1 })).code).toBe(0);

    expect((await send(alice, 'crs-room', 'kept', false)).code).toBe(0);
    expect((await send(alice, 'crs-room', 'is typing', true)).code).toBe(0);
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === STATUS_TYPE));
    const live = bob.payloadsOf('MESSAGES').flatMap((p) => p.messages).find((m) => m.messageType === STATUS_TYPE);
    expect(live).toMatchObject({ conversationType: CHATROOM, targetId: 'crs-room', senderUserId: 'crs-alice', isStatusMessage: true, isPersited: false, content: { content: 'is typing' } });
    await settle();
    // The live one comes straight in its push, the kept one by a pull: either may be first.
    expect(roomTexts(bob, 'crs-room').sort()).toEqual(['is typing', 'kept']);
    // Not back to the sender.
    expect(roomTexts(alice, 'crs-room')).toEqual([]);

    const history = await chatroom<{ list: IAReceivedMessage[] }>(bob, 'getChatroomHistoryMessages', 'crs-room', { count: 10, order: 0, timestamp: 0 });
    expect(history.code).toBe(0);
    expect(history.data?.list.map((m) => (m.content as { content: string }).content)).toEqual(['kept']);

    // Someone joining afterwards gets the recent messages asked for: the kept one only.
    const carol = await login('crs-carol');
    expect((await chatroom(carol, 'joinChatRoom', 'crs-room', { count: 10 })).code).toBe(0);
    await carol.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.targetId === 'crs-room'));
    await settle();
    expect(roomTexts(carol, 'crs-room')).toEqual(['kept']);
  });

  it('are refused to a non-member like any chatroom message', async () => {
    const alice = await login('crs-out');
    expect((await send(alice, 'crs-room', 'typing', true)).code).toBe(23406);
  });
});
