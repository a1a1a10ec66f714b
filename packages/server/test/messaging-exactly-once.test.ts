import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/free-port.js';
import { RawClient } from './support/raw-client.js';
import { sendNumbered, type Ack } from './support/sending-client.js';
import { callServerApi, type Credentials } from './support/server-api-client.js';
import { SyncingClient } from './support/syncing-client.js';
import { makeTempDir } from './support/temp-dir.js';
import { spawnServer, startTestServer, type ServerProcess, type TestServer } from './support/test-server.js';

/** The inbox guarantee: every acked message reaches each recipient device exactly once, in order. */
async function tokenFor(url: string, creds: Credentials, userId: string): Promise<string> {
  const response = await callServerApi(url, 'user/getToken', { userId }, creds);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

function receivedFrom(client: SyncingClient, senderId: string): string[] {
  return client.received.filter((m) => m.direction === 2 && m.fromUserId === senderId).map((m) => m.msgId ?? '');
}

describe('exactly-once inbox delivery, single node', () => {
  let server: TestServer;
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    await server.services.apps.configure(server.devApp.appKey, { apiRateLimit: 100_000 });
  });
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  afterAll(() => server.stop());

  it('keeps order and loses nothing when the recipient drops and reconnects mid-stream', async () => {
    const bob = new SyncingClient(() => server.url, server.devApp.appKey, await tokenFor(server.url, server.devApp, 'mid-bob'), 'bob-desk');
    cleanups.push(() => bob.disconnect());
    await bob.connect();
    const sender = await RawClient.open(server.url);
    cleanups.push(() => sender.close());
    await sender.connect(server.devApp.appKey, await tokenFor(server.url, server.devApp, 'mid-alice'));

    let reconnecting: Promise<void> | undefined;
    const acks = await sendNumbered(sender, 'ppMsgP', 'mid-bob', 300, {
      onAck: ({ seq }) => {
        if (seq === 100) bob.disconnect();
        if (seq === 200) reconnecting = bob.connect();
      },
    });
    await reconnecting;
    expect(acks).toHaveLength(300);
    await expect.poll(() => receivedFrom(bob, 'mid-alice').length, { timeout: 10_000 }).toBe(300);
    await bob.pull();
    expect(receivedFrom(bob, 'mid-alice')).toEqual(acks.map((a) => a.uid));
  });

  it('delivers 1,000 messages that share milliseconds once each', async () => {
    const creds = server.devApp;
    await tokenFor(server.url, creds, 'burst-a');
    const bob = new SyncingClient(() => server.url, creds.appKey, await tokenFor(server.url, creds, 'burst-b'), 'burst-b-desk');
    cleanups.push(() => bob.disconnect());
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        callServerApi(server.url, 'message/private/publish', { fromUserId: 'burst-a', toUserId: 'burst-b', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `b${i}` }) }, creds),
      ),
    );
    expect(results.every((r) => r.body.code === 200)).toBe(true);
    await bob.connect();
    const uids = receivedFrom(bob, 'burst-a');
    expect(uids).toHaveLength(1000);
    expect(new Set(uids).size).toBe(1000);
    const times = bob.received.map((m) => m.dataTime);
    expect(new Set(times).size).toBeLessThan(1000);
    const texts = new Set(bob.received.map((m) => (JSON.parse(m.content) as { content: string }).content));
    expect(texts.size).toBe(1000);
  });

  it('stores a retried send (same clientUniqueId) once and acks it with the same UID', async () => {
    const sender = await RawClient.open(server.url);
    cleanups.push(() => sender.close());
    await sender.connect(server.devApp.appKey, await tokenFor(server.url, server.devApp, 'retry-a'));
    await tokenFor(server.url, server.devApp, 'retry-b');
    const first = await sendNumbered(sender, 'ppMsgP', 'retry-b', 1, { clientIdBase: 7_000 });
    const again = await sendNumbered(sender, 'ppMsgP', 'retry-b', 1, { clientIdBase: 7_000 });
    expect(again[0]!.uid).toBe(first[0]!.uid);
    const page = await server.services.messages.pull(server.devApp.appKey, 'retry-b', 0, 100, true);
    expect(page.entries).toHaveLength(1);
  });
});

describe('exactly-once inbox delivery across a SIGKILL', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function serve(port: number, dataDir: string): Promise<ServerProcess> {
    const server = await spawnServer(['--port', String(port), '--data-dir', dataDir, '--user-send-rate', '100000']);
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    return server;
  }

  it('loses no acked message when the server is killed between ack and delivery', async () => {
    const dir = makeTempDir();
    cleanups.push(dir.remove);
    const port = await freePort();
    const first = await serve(port, dir.path);
    const dev = JSON.parse(readFileSync(join(dir.path, 'dev-app.json'), 'utf8')) as Credentials;
    const bobToken = await tokenFor(first.url, dev, 'kill-bob');
    const sender = await RawClient.open(first.url);
    cleanups.push(() => sender.close());
    await sender.connect(dev.appKey, await tokenFor(first.url, dev, 'kill-alice'));

    // Bob is offline: everything acked before the kill sits only in the store.
    const acks: Ack[] = await sendNumbered(sender, 'ppMsgP', 'kill-bob', 5000, {
      window: 32,
      onAck: ({ seq }) => {
        if (seq === 400) first.child.kill('SIGKILL');
      },
    });
    await first.exited;
    expect(acks.length).toBeGreaterThanOrEqual(400);
    expect(acks.length).toBeLessThan(5000);

    await serve(port, dir.path);
    const bob = new SyncingClient(() => first.url, dev.appKey, bobToken, 'kill-bob-desk');
    cleanups.push(() => bob.disconnect());
    await bob.connect();
    const delivered = receivedFrom(bob, 'kill-alice');
    const ackedUids = acks.map((a) => a.uid);
    expect(new Set(delivered).size).toBe(delivered.length);
    // Every acked message is there, in send order; a send the kill cut off before its ack may be too.
    expect(delivered.slice(0, ackedUids.length)).toEqual(ackedUids);
    expect(delivered.length - ackedUids.length).toBeLessThanOrEqual(32);
  });
});
