import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryChecker } from '../support/delivery-checker.js';
import { startRestartableServer } from '../support/test-server.js';
import { expectClean, mesh, SdkFleet, sleep, tokenFor } from './workload.js';

/**
 * Clients whose clock is hours off. The server runs as its own process with the true time; in this
 * process `Date.now` is skewed, so every @parley/client here (local timestamps, keepalive, backoff)
 * lives in the wrong time. The server's time decides order and sync cursors.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const realNow = Date.now.bind(Date);

describe('fault: client clock skew', () => {
  for (const skewHours of [-6, 5]) {
    it(`clients ${skewHours > 0 ? 'ahead' : 'behind'} by ${Math.abs(skewHours)} h get every acked message exactly once, across a server restart`, async () => {
      const server = await startRestartableServer(['--user-send-rate', '100000']);
      cleanups.push(server.dispose);
      const creds = server.credentials;

      const skewMs = skewHours * 3600_000;
      Date.now = () => realNow() + skewMs;
      cleanups.push(() => {
        Date.now = realNow;
      });
      expect(Math.abs(Date.now() - realNow() - skewMs)).toBeLessThan(1000);

      const checker = new DeliveryChecker();
      const fleet = new SdkFleet(checker, creds.appKey);
      cleanups.push(() => fleet.close());
      for (const u of ['sk-a', 'sk-b', 'sk-c']) await fleet.add(u, await tokenFor(server.url, creds, u));
      let over = false;
      const traffic = fleet.traffic(mesh(fleet.users, 5000, 5, () => over));
      await sleep(800);
      // A restart makes every client reconnect and sync from its cursor, which must be server time.
      await server.kill();
      await server.restart();
      await sleep(1200);
      over = true;
      await traffic;
      const report = await fleet.settle();
      expectClean(`clock-skew ${skewHours}h`, report, 1, 30);
      // The times the clients got are the server's, not their own.
      const history = await fleet.users[1]!.client.getHistoryMessages(1, 'sk-a', { count: 5 });
      expect(history.length).toBeGreaterThan(0);
      for (const m of history) expect(Math.abs(m.sentTime - realNow())).toBeLessThan(120_000);
    }, 120_000);
  }
});
