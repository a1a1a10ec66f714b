import { decodePayload, encodePayload } from '@parley/protocol';
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
});
