import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryChecker } from '../support/delivery-checker.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { expectClean, mesh, scale, SdkFleet, sleep, tokenFor } from './workload.js';

/**
 * A fault-injecting TCP proxy between @parley/client users and the server: every byte the clients
 * exchange with it (navigation and WebSocket) goes through the proxy, which is the server's public
 * URL, so tokens and navigation answers point at it.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(users: number): Promise<{ server: TestServer; proxy: FaultProxy; fleet: SdkFleet; checker: DeliveryChecker }> {
  const proxy = await FaultProxy.start(0);
  cleanups.push(() => proxy.close());
  const server = await startTestServer({ publicUrl: proxy.url, userSendRate: 100_000 });
  cleanups.push(() => server.stop());
  proxy.targetPort = server.port;
  const checker = new DeliveryChecker();
  const fleet = new SdkFleet(checker, server.devApp.appKey);
  cleanups.push(() => fleet.close());
  for (let i = 0; i < users; i++) await fleet.add(`net-u${i}`, await tokenFor(server.url, server.devApp, `net-u${i}`));
  return { server, proxy, fleet, checker };
}

describe('fault: network faults between clients and the server', () => {
  it('black-holes, delays, resets and cuts connections mid-frame during traffic without losing or duplicating', async () => {
    const { proxy, fleet, checker } = await setup(scale(4, 8));
    // Everyone sends until the fault schedule is over (at most 5,000 each).
    let faultsOver = false;
    const traffic = fleet.traffic(mesh(fleet.users, 5000, 5, () => faultsOver));
    let done = false;
    void traffic.finally(() => (done = true)).catch(() => undefined);
    const rounds = scale(1, 4);
    const injected: string[] = [];
    for (let r = 0; r < rounds && !done; r++) {
      await sleep(300);
      // Black hole: sockets stay open and silent; the keepalive (1 s) notices and the clients reconnect.
      proxy.blackHole(true);
      injected.push('black-hole');
      await sleep(2500);
      proxy.blackHole(false);
      await sleep(400);
      // Added latency, in both directions.
      proxy.setDelay(150);
      injected.push('delay');
      await sleep(1200);
      proxy.setDelay(0);
      // Reset every connection.
      expect(proxy.resetAll()).toBeGreaterThan(0);
      injected.push('reset');
      await sleep(800);
      // Truncate the next server frame of every connection and close.
      const cut = proxy.cutMidFrame();
      if (cut > 0) injected.push('cut-mid-frame');
      await sleep(800);
      // Refuse new connections for a while, then reset the open ones.
      proxy.refuse(true);
      proxy.resetAll();
      injected.push('refuse');
      await sleep(700);
      proxy.refuse(false);
    }
    expect(done, 'traffic lasted through every fault').toBe(false);
    await sleep(500);
    faultsOver = true;
    await traffic;
    expect(injected.length, 'faults were injected during traffic').toBeGreaterThanOrEqual(4 * rounds);
    expect(proxy.connections, 'clients reconnected through the proxy').toBeGreaterThan(fleet.users.length * 2);
    const report = await fleet.settle();
    expectClean('network-proxy', report, proxy.faults, fleet.users.length * 20);
    expect(checker.ackedCount).toBe(report.attempted);
  }, 180_000);
});
