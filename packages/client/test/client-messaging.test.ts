import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStatus, DatabaseOpenStatus, IMClient, type Message } from '@parley/client';
import { freePort } from '../../server/test/support/free-port.js';
import { callServerApi, type Credentials } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { spawnServer, startTestServer, type ServerProcess, type TestServer } from '../../server/test/support/test-server.js';

/** Messaging through @parley/client: live, queued while offline, across restarts, and offline start. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = makeTempDir('parley-client-');
  cleanups.push(dir.remove);
  return dir.path;
}

async function tokenFor(url: string, creds: Credentials, userId: string): Promise<string> {
  return String((await callServerApi(url, 'user/getToken', { userId }, creds)).body.token);
}

function client(appKey: string, dataDir: string): { c: IMClient; received: Message[] } {
  const c = new IMClient();
  c.init(appKey, { dataDir });
  const received: Message[] = [];
  c.addMessageListener((messages) => received.push(...messages));
  cleanups.push(() => c.disconnect());
  return { c, received };
}

const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });
const texts = (messages: Message[]) => messages.map((m) => (m.content as { content: string }).content);

async function inProcess(): Promise<TestServer> {
  const server = await startTestServer();
  cleanups.push(() => server.stop());
  return server;
}

async function spawned(port: number, dataDir: string): Promise<ServerProcess> {
  const server = await spawnServer(['--port', String(port), '--data-dir', dataDir]);
  cleanups.push(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
  });
  return server;
}

describe('@parley/client messaging', () => {
  it('sends and receives private messages, resolving with the server UID and time', async () => {
    const server = await inProcess();
    const dev = server.devApp;
    const alice = client(dev.appKey, tempDir());
    const bob = client(dev.appKey, tempDir());
    await alice.c.connectAsync(await tokenFor(server.url, dev, 'm-alice'));
    await bob.c.connectAsync(await tokenFor(server.url, dev, 'm-bob'));

    const sent = await alice.c.sendMessage(1, 'm-bob', text('hi bob'));
    expect(sent).toMatchObject({ messageDirection: 1, senderUserId: 'm-alice', targetId: 'm-bob', status: 'sent' });
    expect(sent.messageUId).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    await expect.poll(() => texts(bob.received)).toEqual(['hi bob']);
    expect(bob.received[0]).toMatchObject({ messageUId: sent.messageUId, sentTime: sent.sentTime, senderUserId: 'm-alice', targetId: 'm-alice', messageDirection: 2 });

    await expect(alice.c.sendMessage(1, 'no-such-user', text('x'))).rejects.toMatchObject({ code: 26010 });
    await expect(alice.c.sendMessage(9, 'm-bob', text('x'))).rejects.toMatchObject({ code: 33003 });

    const history = await bob.c.getHistoryMessages(1, 'm-alice');
    expect(texts(history)).toEqual(['hi bob']);
    const conversations = await bob.c.getConversationList();
    expect(conversations).toEqual([expect.objectContaining({ conversationType: 1, targetId: 'm-alice', unreadCount: 1 })]);
  });

  it('sends every message of a burst, in order, without waiting for a later send', async () => {
    const server = await inProcess();
    const dev = server.devApp;
    const alice = client(dev.appKey, tempDir());
    const bob = client(dev.appKey, tempDir());
    await alice.c.connectAsync(await tokenFor(server.url, dev, 'burst-alice'));
    await bob.c.connectAsync(await tokenFor(server.url, dev, 'burst-bob'));
    // Each send starts while the one before waits for its ack: the queue must pick every one up.
    const sending: Promise<Message>[] = [];
    for (let i = 0; i < 20; i++) {
      sending.push(alice.c.sendMessage(1, 'burst-bob', text(`b${i}`)));
      await new Promise((r) => setImmediate(r));
    }
    const sent = await Promise.race([Promise.all(sending), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a send stalled')), 5000))]);
    expect(sent.every((m) => m.status === 'sent')).toBe(true);
    await expect.poll(() => texts(bob.received)).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`));
  });

  it('delivers what arrived while offline, once, on connect', async () => {
    const server = await inProcess();
    const dev = server.devApp;
    await tokenFor(server.url, dev, 'o-bob');
    for (let i = 0; i < 450; i++) {
      await callServerApi(server.url, 'message/private/publish', { fromUserId: 'o-sys', toUserId: 'o-bob', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `o${i}` }) }, dev);
    }
    const bob = client(dev.appKey, tempDir());
    await bob.c.connectAsync(await tokenFor(server.url, dev, 'o-bob'));
    await expect.poll(() => bob.received.length, { timeout: 10_000 }).toBe(450);
    expect(texts(bob.received)).toEqual(Array.from({ length: 450 }, (_, i) => `o${i}`));
  });

  it('queues sends while the server is down and delivers each exactly once after a restart', async () => {
    const serverDir = tempDir();
    const port = await freePort();
    const first = await spawned(port, serverDir);
    const dev = JSON.parse(readFileSync(join(serverDir, 'dev-app.json'), 'utf8')) as Credentials;
    const alice = client(dev.appKey, tempDir());
    const bob = client(dev.appKey, tempDir());
    await alice.c.connectAsync(await tokenFor(first.url, dev, 'r-alice'));
    await bob.c.connectAsync(await tokenFor(first.url, dev, 'r-bob'));
    await alice.c.sendMessage(1, 'r-bob', text('before'));

    first.child.kill('SIGKILL');
    await first.exited;
    await expect.poll(() => alice.c.getCurrentConnectionStatus(), { timeout: 5000 }).not.toBe(ConnectionStatus.CONNECTED);
    const queued = ['during-1', 'during-2', 'during-3'].map((t) => alice.c.sendMessage(1, 'r-bob', text(t)));

    const second = await spawned(port, serverDir);
    await callServerApi(second.url, 'message/private/publish', { fromUserId: 'r-carol', toUserId: 'r-alice', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'while-away' }) }, dev).catch(() => undefined);
    const sent = await Promise.all(queued);
    expect(sent.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    await expect.poll(() => texts(bob.received), { timeout: 20_000 }).toEqual(['before', 'during-1', 'during-2', 'during-3']);
    await new Promise((r) => setTimeout(r, 500));
    expect(texts(bob.received)).toEqual(['before', 'during-1', 'during-2', 'during-3']);
    expect(new Set(bob.received.map((m) => m.messageUId)).size).toBe(4);
  });

  it('starts offline: opens the database before any network I/O and shows local history with the server down', async () => {
    const serverDir = tempDir();
    const clientDir = tempDir();
    const port = await freePort();
    const server = await spawned(port, serverDir);
    const dev = JSON.parse(readFileSync(join(serverDir, 'dev-app.json'), 'utf8')) as Credentials;
    const token = await tokenFor(server.url, dev, 'off-bob');
    await tokenFor(server.url, dev, 'off-alice');
    const online = client(dev.appKey, clientDir);
    await online.c.connectAsync(token);
    await online.c.sendMessage(1, 'off-alice', text('kept locally'));
    online.c.disconnect();
    server.child.kill('SIGKILL');
    await server.exited;

    for (const knownUserId of [true, false]) {
      const offline = client(dev.appKey, clientDir);
      const events: string[] = [];
      const callback = {
        onDatabaseOpened: (status: number) => events.push(`db:${status}`),
        onSuccess: () => events.push('success'),
        onError: (code: number) => events.push(`error:${code}`),
      };
      // Without the userId argument the SDK finds it from the earlier success with this token.
      if (knownUserId) offline.c.connect(token, 0, 'off-bob', callback);
      else offline.c.connect(token, 0, callback);
      await expect.poll(() => events).toEqual([`db:${DatabaseOpenStatus.DATABASE_OPEN_SUCCESS}`]);
      expect(texts(await offline.c.getHistoryMessages(1, 'off-alice'))).toEqual(['kept locally']);
      expect((await offline.c.getConversationList()).map((c) => c.targetId)).toEqual(['off-alice']);
      offline.c.disconnect();
    }
  });
});
