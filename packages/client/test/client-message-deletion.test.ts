import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { type Message } from '@parley/client';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { connectedDevice } from './support/connected-device.js';

/**
 * deleteMessages and clearHistoryMessages through @parley/client: gone from this device's database
 * at once, and never back on another device of the user, however fresh; the peer keeps them.
 */
let server: TestServer;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PRIVATE = 1;
const GROUP = 3;
const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });
const texts = (messages: Message[]) => messages.map((m) => (m.content as { content: string }).content);

const device = (userId: string) => connectedDevice(server, userId, cleanups);

describe('@parley/client: deleting messages and clearing history', () => {
  it('deletes messages here and for every later device of the user; the peer keeps them', async () => {
    const bob = await device('cd-bob1');
    const alice = await device('cd-alice1');
    const sent = [];
    for (const t of ['m0', 'm1', 'm2']) sent.push(await alice.c.sendMessage(PRIVATE, 'cd-bob1', text(t)));
    await expect.poll(() => texts(bob.received)).toEqual(['m0', 'm1', 'm2']);
    const [m0, , m2] = bob.received;

    await bob.c.deleteMessages(PRIVATE, 'cd-alice1', [m2!, m0!]);
    await bob.c.deleteMessages(PRIVATE, 'cd-alice1', [m2!]);
    expect(texts(await bob.c.getHistoryMessages(PRIVATE, 'cd-alice1'))).toEqual(['m1']);
    expect((await bob.c.getConversationList()).map((c) => c.latestMessage.messageUId)).toEqual([sent[1]!.messageUId]);

    bob.c.disconnect();
    const fresh = await device('cd-bob1');
    await expect.poll(() => texts(fresh.received)).toEqual(['m1']);
    expect(texts(await fresh.c.getHistoryMessages(PRIVATE, 'cd-alice1'))).toEqual(['m1']);
    expect((await fresh.c.getConversationList()).map((c) => [c.targetId, c.latestMessage.messageUId, c.unreadCount])).toEqual([['cd-alice1', sent[1]!.messageUId, 1]]);
    expect(texts(await alice.c.getHistoryMessages(PRIVATE, 'cd-bob1'))).toEqual(['m2', 'm1', 'm0']);
  });

  it('clears history through a time here and for later devices; new messages show again', async () => {
    const bob = await device('cd-bob2');
    const alice = await device('cd-alice2');
    expect((await callServerApi(server.url, 'group/create', { userId: ['cd-alice2', 'cd-bob2'], groupId: 'cd-g2', groupName: 'g' }, server.devApp)).body.code).toBe(200);
    const [g0] = [await alice.c.sendMessage(GROUP, 'cd-g2', text('g0')), await alice.c.sendMessage(GROUP, 'cd-g2', text('g1'))];
    await alice.c.sendMessage(PRIVATE, 'cd-bob2', text('p0'));
    await expect.poll(() => bob.received.length).toBe(3);

    await bob.c.clearHistoryMessages(GROUP, 'cd-g2', g0!.sentTime);
    expect(texts(await bob.c.getHistoryMessages(GROUP, 'cd-g2'))).toEqual(['g1']);
    await bob.c.clearHistoryMessages(PRIVATE, 'cd-alice2', 0);
    expect(texts(await bob.c.getHistoryMessages(PRIVATE, 'cd-alice2'))).toEqual([]);
    expect((await bob.c.getConversationList()).map((c) => c.targetId)).toEqual(['cd-g2']);

    bob.c.disconnect();
    const fresh = await device('cd-bob2');
    await expect.poll(() => texts(fresh.received)).toEqual(['g1']);
    expect((await fresh.c.getConversationList()).map((c) => c.targetId)).toEqual(['cd-g2']);
    await alice.c.sendMessage(PRIVATE, 'cd-bob2', text('p1'));
    await expect.poll(() => texts(fresh.received)).toEqual(['g1', 'p1']);
    expect(texts(await fresh.c.getHistoryMessages(PRIVATE, 'cd-alice2'))).toEqual(['p1']);
    expect(texts(await alice.c.getHistoryMessages(PRIVATE, 'cd-bob2'))).toEqual(['p1', 'p0']);
  });

  it('refuses what is not the caller’s (26009), bad arguments (33003) and calls without a connection (30001), deleting nothing', async () => {
    const bob = await device('cd-bob3');
    const alice = await device('cd-alice3');
    const carol = await device('cd-carol3');
    await alice.c.sendMessage(PRIVATE, 'cd-bob3', text('from alice'));
    const fromCarol = await carol.c.sendMessage(PRIVATE, 'cd-bob3', text('from carol'));
    await expect.poll(() => bob.received.length).toBe(2);
    const fromAlice = bob.received.find((m) => m.senderUserId === 'cd-alice3')!;

    await expect(bob.c.deleteMessages(PRIVATE, 'cd-alice3', [fromAlice, fromCarol])).rejects.toMatchObject({ code: 26009 });
    await expect(bob.c.deleteMessages(PRIVATE, 'cd-alice3', [])).rejects.toMatchObject({ code: 33003 });
    await expect(bob.c.deleteMessages(PRIVATE, 'bad id', [fromAlice])).rejects.toMatchObject({ code: 33003 });
    await expect(bob.c.clearHistoryMessages(PRIVATE, 'cd-alice3', -1)).rejects.toMatchObject({ code: 33003 });
    await expect(bob.c.clearHistoryMessages(10, 'cd-ultra', 0)).rejects.toMatchObject({ code: 26010 });
    expect(texts(await bob.c.getHistoryMessages(PRIVATE, 'cd-alice3'))).toEqual(['from alice']);
    bob.c.disconnect();
    await expect(bob.c.deleteMessages(PRIVATE, 'cd-alice3', [fromAlice])).rejects.toMatchObject({ code: 30001 });
    await expect(bob.c.clearHistoryMessages(PRIVATE, 'cd-alice3', 0)).rejects.toMatchObject({ code: 30001 });
  });
});
