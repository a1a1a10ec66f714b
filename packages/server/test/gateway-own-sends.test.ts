import { decodePayload, encodePayload } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The Web SDK drops its own messages from a pull by the UIDs its PUBACKs gave it: a pull answer that
 * carried a send before that send's PUBACK would show the sender its own message as a new one.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ userSendRate: 100_000 });
});
afterAll(() => server.stop());

async function connect(userId: string): Promise<RawClient> {
  const token = String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
  const client = await RawClient.open(server.url);
  expect(await client.connect(server.devApp.appKey, token)).toMatchObject({ status: 0 });
  return client;
}

describe('gateway: a device\'s own sends in its pulls', () => {
  it('never answers a pull with a send of the device before that send\'s PUBACK', async () => {
    await connect('os-bob');
    const alice = await connect('os-alice');
    const rounds = 40;
    let id = 1;
    for (let round = 0; round < rounds; round++) {
      // A send and pulls pipelined behind it: the pulls are read while the send is being committed.
      alice.send({
        type: 'PUBLISH',
        header: { qos: 1 },
        topic: 'ppMsgP',
        targetId: 'os-bob',
        messageId: id++,
        payload: encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: JSON.stringify({ content: `m${round}` }), clientUniqueId: String(1_000_000 + round) }),
      });
      for (let k = 0; k < 3; k++) {
        alice.send({ type: 'QUERY', topic: 'pullMsg', targetId: 'os-alice', messageId: id++, payload: encodePayload('SyncRequestMsg', { syncTime: 0, ispolling: false, isPullSend: true }) });
      }
      // Within the connection's bounds on queries in flight.
      await expect.poll(() => alice.frames.filter((f) => f.type === 'QUERYACK').length).toBe((round + 1) * 3);
    }
    const acked = new Set<string>();
    let ownSeen = 0;
    for (const frame of alice.frames) {
      if (frame.type === 'PUBACK') acked.add(frame.messageUId);
      if (frame.type !== 'QUERYACK') continue;
      expect(frame.status).toBe(0);
      for (const message of decodePayload('DownStreamMessages', frame.payload).list) {
        if (message.direction !== 1) continue;
        ownSeen++;
        expect(acked.has(message.msgId ?? ''), `${message.msgId} came in a pull before its PUBACK`).toBe(true);
      }
    }
    expect(acked.size).toBe(rounds);
    // The pulls did carry the sends back, so the order was put to the test.
    expect(ownSeen).toBeGreaterThan(rounds);
  });
});
