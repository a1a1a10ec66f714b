import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMClient, type UserOnlineStatus } from '@parley/client';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

/** Online status subscriptions through @parley/client. */
let s: TestServer;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await s.stop();
});

const DESKTOP = 4;
const settle = (ms = 500) => new Promise((r) => setTimeout(r, ms));

interface Device {
  c: IMClient;
  changes: UserOnlineStatus[];
}

async function device(userId: string, appKey = s.devApp.appKey, credentials = s.devApp): Promise<Device> {
  const dir = makeTempDir('parley-client-status-');
  cleanups.push(dir.remove);
  const c = new IMClient();
  c.init(appKey, { dataDir: dir.path });
  const d: Device = { c, changes: [] };
  c.addUserStatusListener((status) => d.changes.push(status));
  cleanups.push(() => c.disconnect());
  await c.connectAsync(String((await callServerApi(s.url, 'user/getToken', { userId }, credentials)).body.token));
  return d;
}

const onlineOf = async (d: Device, userId: string) => (await d.c.getSubscribedUserStatus([userId])).find((u) => u.userId === userId)?.isOnline;

describe('@parley/client online status', () => {
  it('reports a subscribed user coming online and going offline, and nothing once unsubscribed', async () => {
    const alice = await device('cs-alice');
    await alice.c.subscribeUserStatus(['cs-bob'], 300);
    expect(await onlineOf(alice, 'cs-bob')).toBe(false);

    const bob = await device('cs-bob');
    await expect.poll(() => alice.changes.at(-1)).toMatchObject({ userId: 'cs-bob', isOnline: true, platforms: [{ platform: DESKTOP, online: true }] });
    expect(await onlineOf(alice, 'cs-bob')).toBe(true);

    bob.c.disconnect();
    await expect.poll(() => alice.changes.at(-1)).toMatchObject({ userId: 'cs-bob', isOnline: false, platforms: [{ platform: DESKTOP, online: false }] });
    expect(await onlineOf(alice, 'cs-bob')).toBe(false);

    await alice.c.unsubscribeUserStatus(['cs-bob']);
    const seen = alice.changes.length;
    await device('cs-bob');
    await settle();
    expect(alice.changes.length).toBe(seen);
    // Not subscribed: the query leaves the user out.
    expect(await alice.c.getSubscribedUserStatus(['cs-bob'])).toEqual([]);
  });

  it("keeps one app's users out of another's subscriptions", async () => {
    const other = await s.services.apps.create({ name: 'status-other' });
    const alice = await device('cx-alice');
    await alice.c.subscribeUserStatus(['cx-bob'], 300);
    await device('cx-bob', other.appKey, other);
    await settle();
    expect(alice.changes).toEqual([]);
    expect(await onlineOf(alice, 'cx-bob')).toBe(false);
  });

  it("refuses bad arguments before asking the server, and the server's limit with its code", async () => {
    const alice = await device('cl-alice');
    await expect(alice.c.subscribeUserStatus([], 300)).rejects.toMatchObject({ code: 33003 });
    await expect(alice.c.subscribeUserStatus(['cl-bob'], 59)).rejects.toMatchObject({ code: 33003 });
    await expect(alice.c.subscribeUserStatus(['bad id!'], 300)).rejects.toMatchObject({ code: 33003 });
    await expect(alice.c.subscribeUserStatus(Array.from({ length: 201 }, (_, i) => `cl-${i}`), 300)).rejects.toMatchObject({ code: 33003 });
    for (let batch = 0; batch < 5; batch++) await alice.c.subscribeUserStatus(Array.from({ length: 200 }, (_, i) => `cl-${batch * 200 + i}`), 300);
    await expect(alice.c.subscribeUserStatus(['cl-extra'], 300)).rejects.toMatchObject({ code: 26022 });
  });
});

describe('@parley/client online status after a reconnect', () => {
  it('reports what changed while the device was away, and knows a fresh device’s subscriptions', async () => {
    const alice = await device('cr-alice');
    await alice.c.subscribeUserStatus(['cr-bob', 'cr-carol'], 300);
    alice.c.disconnect();
    await device('cr-bob');
    await settle();
    expect(alice.changes).toEqual([]);

    await alice.c.connectAsync(String((await callServerApi(s.url, 'user/getToken', { userId: 'cr-alice' }, s.devApp)).body.token));
    await expect.poll(() => alice.changes).toEqual([{ userId: 'cr-bob', isOnline: true, platforms: [expect.objectContaining({ platform: DESKTOP, online: true })] }]);

    // Another device of alice's has the subscriptions too: it hears carol come online.
    const other = await device('cr-alice');
    await device('cr-carol');
    await expect.poll(() => other.changes.map((c) => [c.userId, c.isOnline])).toEqual([['cr-carol', true]]);
  });
});
