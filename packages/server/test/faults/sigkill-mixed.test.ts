import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryChecker } from '../support/delivery-checker.js';
import { startRestartableServer } from '../support/test-server.js';
import { OfficialFleet } from './official-workload.js';
import { expectClean, scale, SdkFleet, sleep, tokenFor } from './workload.js';

/**
 * SIGKILL of a single `parley serve` (SQLite) while official Web SDK users, users of RongCloud's
 * native stack (the Electron SDK, over TCP) and @parley/client users send to each other. The official
 * Web SDK keeps no local record of received messages in its default navigation mode, so a message the
 * server delivers twice (or re-delivers from a stale inbox cursor after a restart) shows up twice in
 * its app: this is the server's own exactly-once. The native SDK reconnects by itself because
 * navigation gives it two addresses (the HTTP port and the native port).
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Polls `done` every 50 ms for at most `timeoutMs`; returns whether it became true. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(50);
  return done();
}

describe('fault: SIGKILL of the server during traffic of official Web SDK, native SDK and @parley/client users', () => {
  it('loses, duplicates and reorders no acked message of any SDK across kills and restarts', async () => {
    const server = await startRestartableServer(['--user-send-rate', '100000']);
    cleanups.push(server.dispose);
    const url = server.url;
    const creds = server.credentials;

    const checker = new DeliveryChecker();
    const sdk = new SdkFleet(checker, creds.appKey);
    cleanups.push(() => sdk.close());
    const official = new OfficialFleet(checker, creds.appKey, [url]);
    cleanups.push(() => official.close());
    const native = new OfficialFleet(checker, creds.appKey, [url], 'native');
    cleanups.push(() => native.close());

    const perKind = scale(2, 4);
    const sdkNames = Array.from({ length: perKind }, (_, i) => `mix-p${i}`);
    const officialNames = Array.from({ length: perKind }, (_, i) => `mix-o${i}`);
    const nativeNames = Array.from({ length: perKind }, (_, i) => `mix-n${i}`);
    const everyone = [...sdkNames, ...officialNames, ...nativeNames];
    const tokens = new Map<string, string>();
    for (const name of everyone) tokens.set(name, await tokenFor(url, creds, name));
    for (const name of sdkNames) await sdk.add(name, tokens.get(name)!);
    await Promise.all([...officialNames.map((name) => official.add(name, tokens.get(name)!)), ...nativeNames.map((name) => native.add(name, tokens.get(name)!))]);

    // A full mesh across both SDKs: everyone sends private messages to everyone else.
    const targetsOf = (me: string) => everyone.filter((u) => u !== me).map((id) => ({ type: 1 as const, id }));
    let faultsOver = false;
    const until = () => faultsOver;
    const sdkTraffic = sdk.traffic(sdk.users.map((sender) => ({ sender, targets: targetsOf(sender.userId), count: 20_000, pauseMs: 5, until })));
    const officialTraffic = official.traffic(official.users.map((sender) => ({ sender, targets: targetsOf(sender.userId), attempts: 20_000, pauseMs: 2, until })));
    const nativeTraffic = native.traffic(native.users.map((sender) => ({ sender, targets: targetsOf(sender.userId), attempts: 20_000, pauseMs: 2, until })));
    let trafficDone = false;
    void Promise.all([sdkTraffic, officialTraffic, nativeTraffic])
      .finally(() => (trafficDone = true))
      .catch(() => undefined);

    const officialAcked = () => official.users.reduce((n, u) => n + u.acked, 0);
    const nativeAcked = () => native.users.reduce((n, u) => n + u.acked, 0);
    const sdkAcked = () => checker.ackedCount - officialAcked() - nativeAcked();
    const counts = () => ({ official: officialAcked(), native: nativeAcked(), sdk: sdkAcked() });
    /** Acks of each kind in each phase: before the first kill, between kills, after the last restart. */
    const phases: { official: number; native: number; sdk: number }[] = [];
    let mark = counts();
    const minPerPhase = scale(5, 10);
    const progressed = () => {
      const now = counts();
      return now.official - mark.official >= minPerPhase && now.native - mark.native >= minPerPhase && now.sdk - mark.sdk >= minPerPhase;
    };
    const endPhase = () => {
      const now = counts();
      phases.push({ official: now.official - mark.official, native: now.native - mark.native, sdk: now.sdk - mark.sdk });
      mark = now;
    };

    const kills = scale(2, 6);
    let injected = 0;
    const startedAt = Date.now();
    for (let k = 0; k < kills && !trafficDone; k++) {
      // Every kind of client must have sent since the last restart (the official Web SDK retries its
      // connection every 5 s); then kill mid-stream.
      await waitUntil(progressed, 20_000);
      await sleep(200 + Math.floor(Math.random() * 300));
      endPhase();
      await server.kill();
      injected++;
      await sleep(200 + Math.floor(Math.random() * 300));
      await server.restart();
    }
    await waitUntil(progressed, 20_000);
    await sleep(300);
    endPhase();
    expect(trafficDone, 'traffic lasted through every kill').toBe(false);
    faultsOver = true;
    await Promise.all([sdkTraffic, officialTraffic, nativeTraffic]);
    const trafficMs = Date.now() - startedAt;
    expect(injected, 'every kill happened during traffic').toBe(kills);
    for (const [i, phase] of phases.entries()) {
      expect(phase.official, `official SDK acks in phase ${i} (${JSON.stringify(phases)})`).toBeGreaterThanOrEqual(minPerPhase);
      expect(phase.native, `native SDK acks in phase ${i} (${JSON.stringify(phases)})`).toBeGreaterThanOrEqual(minPerPhase);
      expect(phase.sdk, `@parley/client acks in phase ${i} (${JSON.stringify(phases)})`).toBeGreaterThanOrEqual(minPerPhase);
    }

    const report = await sdk.settle();
    official.drain();
    native.drain();
    const officialFailures = official.users.flatMap((u) => u.failed);
    const nativeFailures = native.users.flatMap((u) => u.failed);
    console.log(
      `[faults] sigkill-mixed: traffic ${trafficMs} ms; acks per phase ${JSON.stringify(phases)}; ` +
        `official acked=${officialAcked()} failed=${officialFailures.length} codes=${JSON.stringify([...new Set(officialFailures)])} ` +
        `commandErrors=${official.users.reduce((n, u) => n + u.commandErrors.length, 0)}; ` +
        `native acked=${nativeAcked()} failed=${nativeFailures.length} codes=${JSON.stringify([...new Set(nativeFailures)])} ` +
        `reconnects ${JSON.stringify(native.users.map((u) => native.countEvents(u, 'onConnected')))}; ` +
        `@parley/client acked=${sdkAcked()} refused=${sdk.users.reduce((n, u) => n + u.refused.length, 0)}; ` +
        `official own unacked sends echoed back ${official.users.reduce((n, u) => n + u.echoes.size, 0)}; ` +
        `official reconnects ${JSON.stringify(official.users.map((u) => official.countEvents(u, 'CONNECTED')))}`,
    );
    expectClean('sigkill-mixed', report, injected, everyone.length * 20);
    // Every official device got messages from every kind of sender, and never its own back.
    for (const user of [...official.users, ...native.users]) {
      expect([...user.senders].sort(), `${user.userId} received from`).toEqual(everyone.filter((u) => u !== user.userId).sort());
      // Own sends coming back from the outbox: only sends that were never acked (stored, ack lost in
      // the crash), each once, and only this user's.
      const echoes = [...user.echoes];
      expect(echoes.filter(([text]) => user.ackedTexts.has(text)), `${user.userId}: acked sends came back to the sending device`).toEqual([]);
      expect(echoes.filter(([, n]) => n > 1), `${user.userId}: own sends came back more than once`).toEqual([]);
      expect(echoes.filter(([text]) => !text.startsWith(`ck|${user.userId}|`)), `${user.userId}: others' messages with direction 1`).toEqual([]);
      expect(user.commandErrors, `${user.userId}: harness-level send failures`).toEqual([]);
    }
    // @parley/client queues and resends: all of its sends end acked.
    expect(sdk.users.flatMap((u) => u.refused)).toEqual([]);
  }, 240_000);
});
