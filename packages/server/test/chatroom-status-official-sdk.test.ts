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

async function send(client: OfficialClient, roomId: string, text: string, status: boolean): Promise<void> {
  const sent = await client.call('sendTextWithOptions', { conversationType: CHATROOM, targetId: roomId, text, options: status ? { isStatusMessage: true } : {} });
  expect(sent.code).toBe(0);
}

describe('official Web SDK: chatroom status messages', () => {
  it('go live to the members online, never into history or a later join', async () => {
    const alice = await login('crs-alice');
    const bob = await login('crs-bob');
    for (const member of [alice, bob]) expect((await chatroom(member, 'joinChatRoom', 'crs-room', { count: -1 })).code).toBe(0);

    await send(alice, 'crs-room', 'kept', false);
    await send(alice, 'crs-room', 'is typing', true);
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => (m.content as { content?: string }).content === 'is typing'));
    const live = bob.payloadsOf('MESSAGES').flatMap((p) => p.messages).find((m) => (m.content as { content?: string }).content === 'is typing');
    console.log(JSON.stringify(live));
    expect(live).toMatchObject({ conversationType: CHATROOM, targetId: 'crs-room', senderUserId: 'crs-alice', isStatusMessage: true });
    await settle();
    expect(roomTexts(bob, 'crs-room')).toEqual(['kept', 'is typing']);
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
    const sent = await alice.call('sendTextWithOptions', { conversationType: CHATROOM, targetId: 'crs-room', text: 'typing', options: { isStatusMessage: true } });
    expect(sent.code).toBe(23406);
  });
});
