// Online status subscriptions with RongCloud's native stack (the unmodified official Electron SDK,
// support/official-native): the stack reads navigation's `subDriven`, subscribes with `updUserSub`
// and hears `s_stat` pushes, as the Web SDK does.

import { IMClient } from '@parley/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectConfinedToLoopback } from '../support/official-native/loopback-confinement.js';
import { NativeClient } from '../support/official-native/native-client.js';
import { callServerApi } from '../support/server-api-client.js';
import { makeTempDir } from '../support/temp-dir.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ONLINE_STATUS = 1;
const PC = 4;

let server: TestServer;
const natives: NativeClient[] = [];
const parleys: IMClient[] = [];
const dataDir = makeTempDir('parley-native-status-');

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  const started = natives.splice(0);
  for (const client of started) expectConfinedToLoopback(client);
  await Promise.all(started.map((c) => c.close()));
  for (const client of parleys.splice(0)) client.disconnect();
});
afterAll(async () => {
  await server.stop();
  dataDir.remove();
});

async function tokenFor(userId: string): Promise<string> {
  return String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
}

async function connectedNative(userId: string): Promise<NativeClient> {
  const client = await NativeClient.start({ appKey: server.devApp.appKey, navigators: [server.url], deviceId: `${userId}-pc`, label: `native ${userId}` });
  natives.push(client);
  expect(await client.connect(await tokenFor(userId))).toEqual({ code: 0, userId });
  return client;
}

async function parleyDevice(userId: string): Promise<IMClient> {
  const client = new IMClient();
  client.init(server.devApp.appKey, { dataDir: `${dataDir.path}/${userId}` });
  parleys.push(client);
  await client.connectAsync(await tokenFor(userId));
  return client;
}

interface StatusCall {
  code: number;
  data?: unknown;
}

const statusCall = (client: NativeClient, method: string, ...args: unknown[]) => client.call<StatusCall>('userStatus', { method, args });

/** Whether a change event payload says `userId` is online (`online`) on the PC platform. */
function says(payload: unknown, userId: string, online: boolean): boolean {
  const list = (Array.isArray(payload) ? payload.flat() : [payload]) as { userId?: string; details?: { platform?: number; eventValue?: number }[] }[];
  return list.some((s) => s?.userId === userId && (s.details ?? []).some((d) => d.platform === PC && d.eventValue === (online ? 1 : 0)));
}

async function isOnline(client: NativeClient, userId: string): Promise<boolean | undefined> {
  const result = await statusCall(client, 'getSubscribeUsersOnlineStatus', [userId]);
  expect(result.code).toBe(0);
  return (result.data as { userId: string; isOnline: boolean }[] | undefined)?.find((s) => s.userId === userId)?.isOnline;
}

describe('native stack: online status subscriptions', () => {
  it('subscribes, hears a user come online and go offline, and answers their status', async () => {
    await tokenFor('ns-bob');
    const alice = await connectedNative('ns-alice');
    expect((await statusCall(alice, 'subscribeUser', ['ns-bob'], ONLINE_STATUS, 600)).code).toBe(0);
    await expect.poll(() => isOnline(alice, 'ns-bob')).toBe(false);

    let mark = alice.events.length;
    const bob = await parleyDevice('ns-bob');
    await alice.waitForEvent('subscribedUserStatusChange', (payload, event) => event.seq >= mark && says(payload, 'ns-bob', true));
    expect(await isOnline(alice, 'ns-bob')).toBe(true);

    mark = alice.events.length;
    bob.disconnect();
    await alice.waitForEvent('subscribedUserStatusChange', (payload, event) => event.seq >= mark && says(payload, 'ns-bob', false));
    expect(await isOnline(alice, 'ns-bob')).toBe(false);

    expect((await statusCall(alice, 'unSubscribeUser', ['ns-bob'], ONLINE_STATUS)).code).toBe(0);
  });
});
