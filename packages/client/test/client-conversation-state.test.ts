import { afterEach, describe, expect, it } from 'vitest';
import { IMClient, NotificationLevel, type ConversationState } from '@parley/client';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

/** Pins, notification levels, removal and one conversation from the server, through @parley/client. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PRIVATE = 1;
const GROUP = 3;

async function server(): Promise<TestServer> {
  const started = await startTestServer();
  cleanups.push(() => started.stop());
  // Several devices of one user online at once.
  await started.services.apps.configure(started.devApp.appKey, { devicePolicy: 'multi', maxDevices: 5 });
  return started;
}

interface Device {
  c: IMClient;
  changes: ConversationState[];
  dataDir: string;
}

/** A connected device of `userId`, with a database of its own (a fresh device) unless one is given. */
async function device(s: TestServer, userId: string, dataDir?: string): Promise<Device> {
  let path = dataDir;
  if (!path) {
    const dir = makeTempDir('parley-client-states-');
    cleanups.push(dir.remove);
    path = dir.path;
  }
  const c = new IMClient();
  c.init(s.devApp.appKey, { dataDir: path });
  const d: Device = { c, changes: [], dataDir: path };
  c.addConversationStateListener((states) => d.changes.push(...states));
  cleanups.push(() => c.disconnect());
  await c.connectAsync(await tokenFor(s, userId));
  return d;
}

async function tokenFor(s: TestServer, userId: string): Promise<string> {
  return String((await callServerApi(s.url, 'user/getToken', { userId }, s.devApp)).body.token);
}

async function publish(s: TestServer, fromUserId: string, toUserId: string, content: string): Promise<void> {
  const sent = await callServerApi(s.url, 'message/private/publish', { fromUserId, toUserId, objectName: 'RC:TxtMsg', content: JSON.stringify({ content }) }, s.devApp);
  expect(sent.body.code).toBe(200);
}

async function createGroup(s: TestServer, groupId: string, userIds: string[]): Promise<void> {
  expect((await callServerApi(s.url, 'group/create', { userId: userIds, groupId, groupName: groupId }, s.devApp)).body.code).toBe(200);
}

const stateOf = async (d: Device, type: number, targetId: string) => {
  const c = (await d.c.getConversationList()).find((x) => x.conversationType === type && x.targetId === targetId);
  return c && { isTop: c.isTop, notificationLevel: c.notificationLevel };
};

describe('@parley/client conversation states', () => {
  it('syncs pin and mute to the user’s other online device and to a new one, and keeps them across restarts', async () => {
    const s = await server();
    await createGroup(s, 'cs-g', ['cs-alice', 'cs-bob']);
    await tokenFor(s, 'cs-alice');
    await publish(s, 'cs-bob', 'cs-alice', 'hi');
    const a = await device(s, 'cs-alice');
    const b = await device(s, 'cs-alice');
    await expect.poll(() => stateOf(b, PRIVATE, 'cs-bob')).toEqual({ isTop: false, notificationLevel: NotificationLevel.NOT_SET });

    await a.c.setConversationToTop(PRIVATE, 'cs-bob', true);
    await a.c.setConversationNotificationLevel(GROUP, 'cs-g', NotificationLevel.NOT_MESSAGE_NOTIFICATION);
    expect(await stateOf(a, PRIVATE, 'cs-bob')).toEqual({ isTop: true, notificationLevel: NotificationLevel.NOT_SET });
    // Device B hears of it through the server's notice.
    await expect.poll(() => stateOf(b, PRIVATE, 'cs-bob')).toEqual({ isTop: true, notificationLevel: NotificationLevel.NOT_SET });
    await expect.poll(() => b.changes).toContainEqual({ conversationType: GROUP, targetId: 'cs-g', isTop: false, notificationLevel: NotificationLevel.NOT_MESSAGE_NOTIFICATION });

    // A new device gets everything at connect, and a restarted one keeps it.
    const c = await device(s, 'cs-alice');
    await expect.poll(() => stateOf(c, PRIVATE, 'cs-bob')).toEqual({ isTop: true, notificationLevel: NotificationLevel.NOT_SET });
    await c.c.disconnect();
    const restarted = await device(s, 'cs-alice', c.dataDir);
    expect(await stateOf(restarted, PRIVATE, 'cs-bob')).toEqual({ isTop: true, notificationLevel: NotificationLevel.NOT_SET });

    // Bob's own states are his: alice's pin is not his.
    const bob = await device(s, 'cs-bob');
    await expect.poll(() => bob.c.getConversationList()).toHaveLength(1);
    expect(await stateOf(bob, PRIVATE, 'cs-alice')).toEqual({ isTop: false, notificationLevel: NotificationLevel.NOT_SET });
  });

  it('refuses bad arguments before asking the server, and changes nothing', async () => {
    const s = await server();
    const a = await device(s, 'bad-alice');
    await expect(a.c.setConversationToTop(9, 'bob', true)).rejects.toMatchObject({ code: 33003 });
    await expect(a.c.setConversationToTop(PRIVATE, 'not valid!', true)).rejects.toMatchObject({ code: 33003 });
    await expect(a.c.setConversationNotificationLevel(PRIVATE, 'bob', 3)).rejects.toMatchObject({ code: 33003 });
    await expect(a.c.removeConversation(GROUP, '')).rejects.toMatchObject({ code: 33003 });
    expect(a.changes).toEqual([]);
  });

  it('removes a conversation from the list, and a new message brings it back; getConversation asks the server for one it lacks', async () => {
    const s = await server();
    await Promise.all(['rm-alice', 'rm-carol'].map((u) => tokenFor(s, u)));
    await publish(s, 'rm-bob', 'rm-alice', 'first');
    const a = await device(s, 'rm-alice');
    await expect.poll(async () => (await a.c.getConversationList()).map((c) => c.targetId)).toEqual(['rm-bob']);

    await publish(s, 'rm-carol', 'rm-alice', 'stays');
    await expect.poll(async () => (await a.c.getConversationList()).length).toBe(2);
    await a.c.removeConversation(PRIVATE, 'rm-bob');
    expect((await a.c.getConversationList()).map((c) => c.targetId)).toEqual(['rm-carol']);
    // A new device pulls every message, and still lists only what the server lists; the messages stay.
    const newDevice = await device(s, 'rm-alice');
    await expect.poll(async () => (await newDevice.c.getHistoryMessages(PRIVATE, 'rm-bob')).length).toBe(1);
    await expect.poll(async () => (await newDevice.c.getConversationList()).map((c) => c.targetId)).toEqual(['rm-carol']);
    // The server's list lost it too: getConversation finds nothing there.
    expect(await a.c.getConversation(PRIVATE, 'rm-bob')).toBeUndefined();

    await publish(s, 'rm-bob', 'rm-alice', 'second');
    await expect.poll(async () => (await a.c.getConversation(PRIVATE, 'rm-bob'))?.latestMessage.content).toEqual({ content: 'second' });
    const another = await device(s, 'rm-alice');
    await expect.poll(async () => (await another.c.getConversationList()).map((c) => c.targetId)).toEqual(['rm-bob', 'rm-carol']);

    // A device that has never seen the conversation gets it from the server's list.
    await tokenFor(s, 'gc-alice');
    await publish(s, 'gc-bob', 'gc-alice', 'latest');
    const fresh = new IMClient();
    const dir = makeTempDir('parley-client-states-');
    cleanups.push(dir.remove);
    fresh.init(s.devApp.appKey, { dataDir: dir.path });
    cleanups.push(() => fresh.disconnect());
    await fresh.connectAsync(await tokenFor(s, 'gc-alice'));
    const found = await fresh.getConversation(PRIVATE, 'gc-bob');
    expect(found?.latestMessage.content).toEqual({ content: 'latest' });
  });
});
