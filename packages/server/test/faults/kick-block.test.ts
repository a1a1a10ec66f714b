import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStatus } from '@parley/client';
import { DeliveryChecker } from '../support/delivery-checker.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { callServerApi } from '../support/server-api-client.js';
import { startTestServer } from '../support/test-server.js';
import { expectClean, mesh, SdkFleet, sleep, tokenFor, type SdkUser } from './workload.js';

/**
 * A kick (a newer login of the same device class) and a block (`/user/block`) during traffic. All
 * clients reach the server through a counting proxy, so a kicked or blocked device that tried to
 * reconnect would show up as a new connection.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** How long a stopped device is watched for connection attempts: past the 0.05 … 2 s backoff steps. */
const WATCH_MS = 3500;

function stopOn(user: SdkUser, status: ConnectionStatus): void {
  user.client.addConnectionStatusListener((s) => {
    if (s === status) user.stop();
  });
}

describe('fault: kick and block during traffic', () => {
  it('the kicked and the blocked device stop (no reconnect loop), and every acked message still arrives once', async () => {
    const proxy = await FaultProxy.start(0);
    cleanups.push(() => proxy.close());
    const server = await startTestServer({ publicUrl: proxy.url, userSendRate: 100_000 });
    cleanups.push(() => server.stop());
    proxy.targetPort = server.port;
    const dev = server.devApp;
    const checker = new DeliveryChecker();
    const fleet = new SdkFleet(checker, dev.appKey);
    cleanups.push(() => fleet.close());
    const token = (u: string) => tokenFor(server.url, dev, u);

    const a1 = await fleet.add('kb-a', await token('kb-a'), { deviceId: 'kb-a-1' });
    const b = await fleet.add('kb-b', await token('kb-b'));
    const c = await fleet.add('kb-c', await token('kb-c'));
    const d = await fleet.add('kb-d', await token('kb-d'));
    stopOn(a1, ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    stopOn(c, ConnectionStatus.CONN_USER_BLOCKED);

    let over = false;
    const traffic = fleet.traffic(mesh([a1, b, c, d], 5000, 5, () => over));
    await sleep(700);

    // Kick: kb-a logs in on a second desktop device; the first must end KICKED and stay quiet.
    checker.removeDevice('kb-a', 'kb-a-1');
    await fleet.add('kb-a', await token('kb-a'), { deviceId: 'kb-a-2' });
    await expect.poll(() => a1.client.getCurrentConnectionStatus(), { timeout: 5000 }).toBe(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    const afterKick = proxy.connections;
    const a1StatusesAfterKick = a1.statuses.length;
    await sleep(WATCH_MS);
    expect(proxy.connections, 'no connection attempt after the kick').toBe(afterKick);
    expect(a1.statuses.slice(a1StatusesAfterKick), 'no status change after the kick').toEqual([]);
    expect(a1.client.getCurrentConnectionStatus()).toBe(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);

    // Block: kb-c is disconnected with 31011 and must not come back on its own.
    expect((await callServerApi(server.url, 'user/block', { userId: 'kb-c', minute: '10' }, dev)).body.code).toBe(200);
    await expect.poll(() => c.client.getCurrentConnectionStatus(), { timeout: 5000 }).toBe(ConnectionStatus.CONN_USER_BLOCKED);
    const afterBlock = proxy.connections;
    await sleep(WATCH_MS);
    expect(proxy.connections, 'no connection attempt after the block').toBe(afterBlock);
    expect(c.client.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONN_USER_BLOCKED);

    // Unblock and log in again on the same device (same local database): what it missed arrives, once.
    expect((await callServerApi(server.url, 'user/unblock', { userId: 'kb-c' }, dev)).body.code).toBe(200);
    c.client.disconnect();
    await fleet.add('kb-c', await token('kb-c'), { deviceId: 'kb-c-dev' });
    await sleep(700);
    over = true;
    await traffic;
    const report = await fleet.settle();
    expectClean('kick-block', report, 2, 40);
    expect(a1.stopped && c.stopped).toBe(true);
  }, 120_000);
});
