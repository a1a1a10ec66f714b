import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryChecker } from '../support/delivery-checker.js';
import { startRestartableServer } from '../support/test-server.js';
import { expectClean, mesh, scale, SdkFleet, sleep, tokenFor } from './workload.js';

/** SIGKILL of a single `parley serve` (SQLite) while @parley/client users send to each other. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('fault: SIGKILL of the server during traffic (single node)', () => {
  it('loses and duplicates no acked message across repeated kills and restarts', async () => {
    const server = await startRestartableServer(['--user-send-rate', '100000']);
    cleanups.push(server.dispose);
    const creds = server.credentials;

    const checker = new DeliveryChecker();
    const fleet = new SdkFleet(checker, creds.appKey);
    cleanups.push(() => fleet.close());
    const names = Array.from({ length: scale(4, 8) }, (_, i) => `kill-u${i}`);
    for (const name of names) await fleet.add(name, await tokenFor(server.url, creds, name));

    const kills = scale(3, 10);
    let injected = 0;
    let faultsOver = false;
    const traffic = fleet.traffic(mesh(fleet.users, 5000, 2, () => faultsOver));
    let trafficDone = false;
    void traffic.finally(() => (trafficDone = true)).catch(() => undefined);
    for (let k = 0; k < kills && !trafficDone; k++) {
      // Let traffic flow, then kill mid-stream; the clients reconnect and resend on their own.
      await sleep(300 + Math.floor(Math.random() * 400));
      if (checker.ackedCount === 0 && k === 0) await sleep(500);
      await server.kill();
      injected++;
      await sleep(200 + Math.floor(Math.random() * 300));
      await server.restart();
    }
    expect(trafficDone, 'traffic lasted through every kill').toBe(false);
    // Traffic goes on after the last restart until the run has the volume it is judged on (bounded):
    // what is checked is delivery across the kills, not how much a busy machine sent between them.
    const minAcked = names.length * 20;
    for (const deadline = Date.now() + 20_000; checker.ackedCount < minAcked && Date.now() < deadline; ) await sleep(100);
    await sleep(1000);
    faultsOver = true;
    await traffic;
    expect(injected, 'every kill happened during traffic').toBe(kills);
    const report = await fleet.settle();
    expectClean('sigkill-single', report, injected, minAcked);
    expect(checker.ackedCount, 'every send was acked in the end').toBe(report.attempted);
  }, 180_000);
});
