import { decodePayload, encodePayload } from '@parley/protocol';
import { NOTICE_REPEAT_AFTER_MS } from '../src/gateway/gateway.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Inbox notices: one per pull round trip, never one that the last pull already covered. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function connect(userId: string): Promise<RawClient> {
  const token = String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
  const client = await RawClient.open(server.url);
  expect(await client.connect(server.devApp.appKey, token)).toMatchObject({ status: 0 });
  return client;
}

const notices = (client: RawClient) => client.frames.filter((f) => f.type === 'PUBLISH' && f.topic === 's_ntf');
const send = (n: number, tag: string) =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      callServerApi(server.url, 'message/private/publish', { fromUserId: 'n-sender', toUserId: 'n-bob', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `${tag}${i}` }) }, server.devApp),
    ),
  );

async function pull(client: RawClient, cursor: number, messageId: number): Promise<{ count: number; cursor: number }> {
  client.send({ type: 'QUERY', topic: 'pullMsg', targetId: 'n-bob', messageId, payload: encodePayload('SyncRequestMsg', { syncTime: cursor, ispolling: false }) });
  const ack = await client.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId);
  if (ack.type !== 'QUERYACK') throw new Error('no answer');
  const page = decodePayload('DownStreamMessages', ack.payload);
  return { count: page.list.length, cursor: page.syncTime };
}

describe('gateway inbox notices', () => {
  it('holds further notices until the client pulls, then sends one only if the pull missed something', async () => {
    const bob = await connect('n-bob');
    await send(10, 'a');
    await expect.poll(() => notices(bob).length).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(notices(bob)).toHaveLength(1);

    const first = await pull(bob, 0, 1);
    expect(first.count).toBe(10);
    await new Promise((r) => setTimeout(r, 200));
    // Everything held was covered by that pull: no notice follows.
    expect(notices(bob)).toHaveLength(1);

    await send(1, 'b');
    await expect.poll(() => notices(bob).length).toBe(2);
    // A message that arrives while the notice waits is announced after the next pull, which missed it.
    const stale = first.cursor;
    await send(1, 'c');
    const second = await pull(bob, stale, 2);
    expect(second.count).toBeGreaterThanOrEqual(1);
    if (second.count === 1) await expect.poll(() => notices(bob).length).toBe(3);
    const third = await pull(bob, second.cursor, 3);
    expect(second.count + third.count).toBe(2);
    bob.close();
  });

  it('sends a notice again when the client passes over it, naming the newest cursor, until it pulls', async () => {
    const carol = await connect('n-carol');
    const sendToCarol = (tag: string) =>
      callServerApi(server.url, 'message/private/publish', { fromUserId: 'n-sender', toUserId: 'n-carol', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: tag }) }, server.devApp);
    await sendToCarol('x');
    await expect.poll(() => notices(carol).length).toBe(1);
    await sendToCarol('y');
    await new Promise((r) => setTimeout(r, 200));
    expect(notices(carol)).toHaveLength(1);
    // Not pulled: the notice comes again, for everything since.
    await expect.poll(() => notices(carol).length, { timeout: NOTICE_REPEAT_AFTER_MS + 3000 }).toBe(2);
    const [first, second] = notices(carol).map((f) => (f.type === 'PUBLISH' ? decodePayload('NotifyMsg', f.payload).time : 0));
    expect(second).toBeGreaterThan(first!);
    carol.send({ type: 'QUERY', topic: 'pullMsg', targetId: 'n-carol', messageId: 1, payload: encodePayload('SyncRequestMsg', { syncTime: 0, ispolling: false }) });
    await carol.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === 1);
    // Pulled: no more repeats.
    const after = notices(carol).length;
    await new Promise((r) => setTimeout(r, NOTICE_REPEAT_AFTER_MS + 1200));
    expect(notices(carol)).toHaveLength(after);
    carol.close();
  });
});
