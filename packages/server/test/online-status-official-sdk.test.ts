import type { ISubscribeUserStatusInfo } from '@rongcloud/imlib-next';
import { describe, expect, it } from 'vitest';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';
import { RawClient } from './support/raw-client.js';

/**
 * Online status subscriptions with the unmodified official Web SDK (navigation `subDriven: 1`):
 * subscribe, the current status, changes as events, unsubscribe, the limits, and a second device
 * that finds the subscriptions at connect.
 */
const suite = officialSdkSuite();
const { login, tokenFor } = suite;

const ONLINE_STATUS = 1;
const WEB = 3;
const PC = 4;
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

interface SdkOnlineStatus {
  userId: string;
  isOnline: boolean;
  details: { platform: number; isOnline: boolean }[];
}

function statusCall<T = unknown>(client: OfficialClient, method: string, ...args: unknown[]) {
  return client.call<T>('userStatus', { method, args });
}

/** Waits for a change event about `userId` on `platform`, newer than `mark`. */
function changeOf(client: OfficialClient, userId: string, platform: number, online: boolean, mark: number) {
  return client.waitForEvent(
    'SUBSCRIBED_USER_STATUS_CHANGE',
    (payload, event) =>
      event.seq >= mark && (payload as ISubscribeUserStatusInfo[]).some((s) => s.userId === userId && (s.details ?? []).some((d) => d.platform === platform && d.eventValue === (online ? 1 : 0))),
  );
}

async function isOnline(client: OfficialClient, userId: string): Promise<boolean | undefined> {
  const result = await statusCall<SdkOnlineStatus[]>(client, 'getSubscribeUsersOnlineStatus', [userId]);
  expect(result.code).toBe(0);
  return result.data?.find((s) => s.userId === userId)?.isOnline;
}

describe('official Web SDK: online status subscriptions', () => {
  it('subscribes, shows the current status, reports going online and offline as events, and stops after unsubscribing', async () => {
    await tokenFor('os-bob');
    const alice = await login('os-alice');

    expect((await statusCall(alice, 'subscribeUserStatus', ['os-bob'], ONLINE_STATUS, 600)).code).toBe(0);
    await settle();
    expect(await isOnline(alice, 'os-bob')).toBe(false);
    const listed = await statusCall<ISubscribeUserStatusInfo[]>(alice, 'getSubscribeUserList', ONLINE_STATUS, 10, 0);
    expect(listed.data?.map((s) => [s.userId, s.expiry])).toEqual([['os-bob', 600]]);

    let mark = alice.events.length;
    const bob = await login('os-bob');
    await changeOf(alice, 'os-bob', WEB, true, mark);
    expect(await isOnline(alice, 'os-bob')).toBe(true);

    // A second device on another platform shows as that platform.
    mark = alice.events.length;
    const desk = await RawClient.open(suite.server.url);
    expect(await desk.connect(suite.dev.appKey, await tokenFor('os-bob'), { platform: 'desktop' })).toMatchObject({ status: 0 });
    await changeOf(alice, 'os-bob', PC, true, mark);

    mark = alice.events.length;
    await bob.close();
    await changeOf(alice, 'os-bob', WEB, false, mark);
    // Still online on the desktop.
    expect(await isOnline(alice, 'os-bob')).toBe(true);
    mark = alice.events.length;
    desk.close();
    await changeOf(alice, 'os-bob', PC, false, mark);
    expect(await isOnline(alice, 'os-bob')).toBe(false);

    expect((await statusCall(alice, 'unSubscribeUserStatus', ['os-bob'], ONLINE_STATUS)).code).toBe(0);
    mark = alice.events.length;
    await login('os-bob');
    await settle(1500);
    expect(alice.events.slice(mark).filter((e) => e.event === 'SUBSCRIBED_USER_STATUS_CHANGE')).toEqual([]);
    expect((await statusCall<ISubscribeUserStatusInfo[]>(alice, 'getSubscribeUserList', ONLINE_STATUS, 10, 0)).data).toEqual([]);
  });

  it("gives a device that connects later its user's subscriptions and their status", async () => {
    await tokenFor('os2-bob');
    const first = await login('os2-alice');
    expect((await statusCall(first, 'subscribeUserStatus', ['os2-bob', 'os2-carol'], ONLINE_STATUS, 3600)).code).toBe(0);
    await login('os2-bob');
    await first.close();

    const second = await login('os2-alice');
    await second.waitForEvent('SYNC_SUBSCRIBED_USER_STATUS_FINISHED');
    const listed = await statusCall<ISubscribeUserStatusInfo[]>(second, 'getSubscribeUserList', ONLINE_STATUS, 10, 0);
    expect(listed.data?.map((s) => s.userId).sort()).toEqual(['os2-bob', 'os2-carol']);
    expect(await isOnline(second, 'os2-bob')).toBe(true);
    expect(await isOnline(second, 'os2-carol')).toBe(false);
    // A user not subscribed to is left out, without failing the call.
    const mixed = await statusCall<SdkOnlineStatus[]>(second, 'getSubscribeUsersOnlineStatus', ['os2-bob', 'os2-dave']);
    expect(mixed.code).toBe(0);
    expect(mixed.data?.map((s) => s.userId)).toEqual(['os2-bob']);
  });

  it('refuses a subscription past 1000 users with 26022 and keeps the ones held', async () => {
    const alice = await login('os3-alice');
    for (let batch = 0; batch < 5; batch++) {
      const ids = Array.from({ length: 200 }, (_, i) => `os3-u${batch * 200 + i}`);
      expect((await statusCall(alice, 'subscribeUserStatus', ids, ONLINE_STATUS, 600)).code).toBe(0);
    }
    expect((await statusCall(alice, 'subscribeUserStatus', ['os3-one-more'], ONLINE_STATUS, 600)).code).toBe(26022);
    // Renewing one already held is no new subscription.
    expect((await statusCall(alice, 'subscribeUserStatus', ['os3-u0'], ONLINE_STATUS, 600)).code).toBe(0);

    await login('os3-one-more');
    await settle();
    expect((alice.payloadsOf('SUBSCRIBED_USER_STATUS_CHANGE') as ISubscribeUserStatusInfo[][]).flat().filter((s) => s.userId === 'os3-one-more')).toEqual([]);
    const mark = alice.events.length;
    await login('os3-u999');
    await changeOf(alice, 'os3-u999', WEB, true, mark);
  });
});
