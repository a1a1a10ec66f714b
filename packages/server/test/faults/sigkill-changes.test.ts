import { afterEach, describe, expect, it } from 'vitest';
import { IMClient, type Message } from '@parley/client';
import { ChangeChecker } from '../support/delivery-checker.js';
import { makeTempDir } from '../support/temp-dir.js';
import { startRestartableServer } from '../support/test-server.js';
import { scale, sleep, tokenFor } from './workload.js';

/**
 * SIGKILL of a single `parley serve` while a sender recalls and edits messages (retrying each until
 * acked, as an app would): every device is told of each acked change once, whether it saw the
 * message before (one change event) or first sees it changed, and ends with the final state stored.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const stateOf = (m: Message) => (m.objectName === 'RC:RcNtf' ? 'recalled' : String((m.content as { content?: unknown }).content));

describe('fault: SIGKILL of the server during recalls and edits', () => {
  it('tells every device of each acked change once, and leaves every device in the final state', async () => {
    const server = await startRestartableServer(['--user-send-rate', '100000']);
    cleanups.push(server.dispose);
    const dir = makeTempDir('parley-faults-changes-');
    cleanups.push(dir.remove);
    const checker = new ChangeChecker();
    const devices = new Map<string, IMClient>();
    const device = async (userId: string, deviceId: string, platform: 'desktop' | 'mobile') => {
      const client = new IMClient();
      client.init(server.credentials.appKey, { dataDir: `${dir.path}/${deviceId}`, deviceId, keepAliveSeconds: 1, platform });
      const watched = (messages: Message[]) => messages.filter((m) => m.senderUserId === 'ch-alice').map((m) => ({ uid: m.messageUId, state: stateOf(m) }));
      client.addMessageListener((messages) => checker.sawMessages(deviceId, watched(messages)));
      client.addMessageChangeListener((messages) => checker.sawChanges(deviceId, watched(messages)));
      cleanups.push(() => client.disconnect());
      devices.set(deviceId, client);
      await client.connectAsync(await tokenFor(server.url, server.credentials, userId));
      return client;
    };
    const alice = await device('ch-alice', 'ch-alice-desktop', 'desktop');
    await device('ch-bob', 'ch-bob-desktop', 'desktop');
    const sent: Message[] = [];
    for (let i = 0; i < scale(20, 100); i++) sent.push(await alice.sendMessage(1, 'ch-bob', { objectName: 'RC:TxtMsg', content: { content: `m${i}` } }));

    let changesDone = false;
    const changes = (async () => {
      for (const [i, message] of sent.entries()) {
        const final = i % 2 === 0 ? 'recalled' : `edited ${i}`;
        checker.attempted(message.messageUId, final);
        for (let attempt = 0; attempt < 200; attempt++) {
          try {
            if (final === 'recalled') await alice.recallMessage(message);
            else await alice.modifyMessage(message, { content: final });
            checker.acked(message.messageUId);
            break;
          } catch {
            // Not connected, or the connection went mid-call: retried, as the change is idempotent.
            await sleep(100);
          }
        }
        if (i === Math.floor(sent.length / 2)) void device('ch-bob', 'ch-bob-mobile', 'mobile');
        // Spread over the kills.
        await sleep(60);
      }
    })().finally(() => (changesDone = true));

    const kills = scale(2, 6);
    let injected = 0;
    for (let k = 0; k < kills && !changesDone; k++) {
      await sleep(150 + Math.floor(Math.random() * 300));
      await server.kill();
      injected++;
      await sleep(200);
      await server.restart();
    }
    await changes;
    expect(injected, 'every kill happened while changes were made').toBe(kills);

    const stateAt = async (deviceId: string, uid: string) => {
      const history = await devices.get(deviceId)!.getHistoryMessages(1, deviceId.startsWith('ch-alice') ? 'ch-bob' : 'ch-alice', { count: 100 });
      const found = history.find((m) => m.messageUId === uid);
      return found ? stateOf(found) : undefined;
    };
    await expect.poll(async () => (await checker.verify(stateAt)).inconsistent + (await checker.verify(stateAt)).lost, { timeout: 30_000, interval: 500 }).toBe(0);
    const report = await checker.verify(stateAt);
    console.log(`[faults] sigkill-changes: faults=${injected} attempted=${report.attempted} acked=${report.acked} checked=${report.checked} lost=${report.lost} duplicated=${report.duplicated} inconsistent=${report.inconsistent}`);
    expect(report, report.examples.join('\n')).toMatchObject({ lost: 0, duplicated: 0, inconsistent: 0 });
    expect(report.acked).toBe(report.attempted);
    expect(report.checked).toBeGreaterThanOrEqual(report.acked * 2);
  }, 180_000);
});
