import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { connectedDevice } from './support/connected-device.js';

/** Chatroom status messages through @parley/client: live to the members online, never kept. */
const cleanups: (() => Promise<void> | void)[] = [];
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await s.stop();
});

const settle = (ms = 500) => new Promise((r) => setTimeout(r, ms));
const typing = { objectName: 'App:Typing', content: { typing: true } };

const device = (userId: string) => connectedDevice(s, userId, cleanups);

describe('@parley/client chatroom status messages', () => {
  it('reach the other members online at once, not the sender nor other rooms, and never history', async () => {
    const alice = await device('ccs-alice');
    const bob = await device('ccs-bob');
    const carol = await device('ccs-carol');
    await alice.c.joinChatRoom('ccs-room', -1);
    await bob.c.joinChatRoom('ccs-room', -1);
    await carol.c.joinChatRoom('ccs-elsewhere', -1);

    await alice.c.sendChatRoomStatusMessage('ccs-room', typing);
    await expect.poll(() => bob.received.length).toBe(1);
    expect(bob.received[0]).toMatchObject({ messageUId: '', senderUserId: 'ccs-alice', conversationType: 4, targetId: 'ccs-room', objectName: 'App:Typing', content: { typing: true }, messageDirection: 2 });
    await alice.c.sendChatRoomMessage('ccs-room', { objectName: 'RC:TxtMsg', content: { content: 'kept' } });
    await expect.poll(() => bob.received.length).toBe(2);
    await settle();
    expect(alice.received).toEqual([]);
    expect(carol.received).toEqual([]);
    expect((await bob.c.getChatRoomHistoryMessages('ccs-room')).map((m) => m.objectName)).toEqual(['RC:TxtMsg']);
  });

  it('are refused outside a room joined, as any chatroom message', async () => {
    const dave = await device('ccs-dave');
    await expect(dave.c.sendChatRoomStatusMessage('ccs-room', typing)).rejects.toMatchObject({ code: 23406 });
    await expect(dave.c.sendChatRoomStatusMessage('ccs-room', { objectName: 7 } as unknown as typeof typing)).rejects.toMatchObject({ code: 33003 });
  });
});
