import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { encodeClientFrame, encodePayload } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Hostile and broken clients against a real gateway with short deadlines. */
let server: TestServer;
let witness: RawClient;
const opened: RawClient[] = [];

async function open(query = '', headers: Record<string, string> = {}): Promise<RawClient> {
  const client = await RawClient.open(server.url, query, headers);
  opened.push(client);
  return client;
}

async function tokenFor(userId: string): Promise<string> {
  return String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
}

/** The witness, connected before the abuse starts, must still get answers. */
async function witnessStillServed(): Promise<void> {
  const before = witness.frames.length;
  witness.send({ type: 'PINGREQ' });
  await witness.nextFrame((f) => f.type === 'PINGRESP' && witness.frames.indexOf(f) >= before);
}

beforeAll(async () => {
  // The abuse below holds over 2,000 sockets from one address; this file is about the gateway
  // forgetting them, not about the per-address cap (test/security/connection-limits.test.ts).
  server = await startTestServer({ maxConnectionsPerIp: 10_000 }, {
    gateway: { handshakeTimeoutMs: 500, sweepIntervalMs: 100, keepAliveBoundsSeconds: { min: 1, max: 300 }, handshakesPerIpPerSecond: 100_000 },
  });
  witness = await RawClient.open(server.url);
  expect(await witness.connect(server.devApp.appKey, await tokenFor('witness'))).toMatchObject({ status: 0 });
});
afterAll(async () => {
  for (const c of opened) c.close();
  witness.close();
  await server.stop();
});

describe('gateway: malformed input', () => {
  it('closes on a frame before the handshake', async () => {
    const client = await open();
    client.send({ type: 'PINGREQ' });
    expect(await client.closed).toBe(1002);
  });

  it('closes on random bytes, truncated frames, unknown frame types and text frames, and stays up', async () => {
    const connect = encodeClientFrame({ type: 'CONNECT', keepAliveSeconds: 15, clientId: 'd', appKey: 'k', token: 't', platform: 'web', isReconnect: false, refuseIfTaken: false });
    const inputs: (Uint8Array | string)[] = [
      ...Array.from({ length: 50 }, (_, i) => randomBytes(1 + i * 7)),
      ...Array.from({ length: connect.length - 1 }, (_, i) => connect.subarray(0, i + 1)),
      Uint8Array.of(0xf0, 0, 0, 0),
      Uint8Array.of(0x00),
      new Uint8Array(0),
      'a text frame',
    ];
    const codes = await Promise.all(
      inputs.map(async (input) => {
        const client = await open();
        client.sendBytes(input);
        return client.closed;
      }),
    );
    // 1002: not a frame; 1003: text; 1000: a frame that decoded as CONNECT and got a CONNACK refusal.
    for (const code of codes) expect([1000, 1002, 1003]).toContain(code);
    await witnessStillServed();
  });

  it('closes on an oversized frame', async () => {
    const client = await open();
    client.sendBytes(new Uint8Array(300 * 1024));
    expect(await client.closed).toBe(1009);
    await witnessStillServed();
  });

  it('answers an unknown query topic with 20606 and a garbled payload with 26010, keeping the connection', async () => {
    witness.send({ type: 'QUERY', topic: 'noSuchTopic', targetId: 'witness', messageId: 7, payload: new Uint8Array(0) });
    expect(await witness.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === 7)).toMatchObject({ status: 20606 });
    witness.send({ type: 'QUERY', topic: 'pullMsg', targetId: 'witness', messageId: 8, payload: Uint8Array.of(0xff, 0xff, 0xff) });
    expect(await witness.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === 8)).toMatchObject({ status: 26010 });
    const sync = encodePayload('SyncRequestMsg', { syncTime: 1234, ispolling: false });
    witness.send({ type: 'QUERY', topic: 'pullMsg', targetId: 'witness', messageId: 9, payload: sync });
    expect(await witness.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === 9)).toMatchObject({ status: 0 });
  });
});

describe('gateway: deadlines', () => {
  it('closes a socket that never authenticates', async () => {
    const client = await open();
    const started = Date.now();
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('drops a connection silent for three keepalive intervals and marks the user offline', async () => {
    const client = await open();
    client.send({ type: 'CONNECT', keepAliveSeconds: 1, clientId: 'quiet-device', appKey: server.devApp.appKey, token: await tokenFor('quiet'), platform: 'desktop', isReconnect: false, refuseIfTaken: false });
    expect(await client.nextFrame((f) => f.type === 'CONNACK')).toMatchObject({ status: 0 });
    const started = Date.now();
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    const status = await callServerApi(server.url, 'user/checkOnline', { userId: 'quiet' }, server.devApp);
    expect(status.body.status).toBe('0');
  });

  it('survives 1,000 half-open handshakes and 1,000 silent upgrades, then forgets them all', async () => {
    const baseline = server.gateway.size;
    const halfOpen: Socket[] = await Promise.all(
      Array.from({ length: 1000 }, () =>
        new Promise<Socket>((resolve) => {
          const socket = tcpConnect(server.port, '127.0.0.1', () => {
            socket.write('GET /websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
            resolve(socket);
          });
          socket.on('error', () => undefined);
        }),
      ),
    );
    try {
      const silent = await Promise.all(Array.from({ length: 1000 }, () => RawClient.open(server.url)));
      await witnessStillServed();
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      // Every silent socket is closed by the server's handshake deadline, and nothing of it remains.
      await Promise.all(silent.map((c) => c.closed));
      await expect.poll(() => server.gateway.size, { timeout: 3000 }).toBe(baseline);
      await witnessStillServed();
    } finally {
      for (const socket of halfOpen) socket.destroy();
    }
  });
});

describe('gateway: refusals a raw client can provoke', () => {
  it('answers a flood of bad tokens with CONNACK 4 each, and keeps serving', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const client = await open();
        const ack = await client.connect(server.devApp.appKey, `garbage-${i}-${randomBytes(8).toString('hex')}`);
        return ack.type === 'CONNACK' ? ack.status : -1;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set([4]));
    await witnessStillServed();
  });

  it('refuses a reconnecting device with 31023 (CONNACK 13) when its class is taken, leaving the other alone', async () => {
    const token = await tokenFor('rk');
    const current = await open();
    expect(await current.connect(server.devApp.appKey, token, { platform: 'mobile', deviceId: 'phone-2' })).toMatchObject({ status: 0 });
    const returning = await open();
    expect(await returning.connect(server.devApp.appKey, token, { platform: 'mobile', deviceId: 'phone-1', refuseIfTaken: true })).toMatchObject({ status: 13 });
    current.send({ type: 'PINGREQ' });
    await current.nextFrame((f) => f.type === 'PINGRESP');
    expect(current.frames.some((f) => f.type === 'DISCONNECT')).toBe(false);
  });

  it('refuses a browser origin outside the safe domains with 31005 (CONNACK 5)', async () => {
    const app = await server.services.apps.create({ name: 'guarded', safeDomains: ['good.example'] });
    const creds = { appKey: app.appKey, appSecret: app.appSecret };
    const token = String((await callServerApi(server.url, 'user/getToken', { userId: 'web' }, creds)).body.token);
    const evil = await open('', { origin: 'http://evil.example' });
    expect(await evil.connect(app.appKey, token, { platform: 'web' })).toMatchObject({ status: 5 });
    const good = await open('', { origin: 'https://good.example' });
    expect(await good.connect(app.appKey, token, { platform: 'web' })).toMatchObject({ status: 0 });
  });
});

describe('gateway: per-IP handshake limit', () => {
  it('answers over-limit handshakes with the retryable CONNACK 3 instead of failing', async () => {
    const limited = await startTestServer({}, { gateway: { handshakesPerIpPerSecond: 5 } });
    try {
      const token = String((await callServerApi(limited.url, 'user/getToken', { userId: 'u' }, limited.devApp)).body.token);
      const statuses = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const client = await RawClient.open(limited.url);
          const ack = await client.connect(limited.devApp.appKey, token, { platform: 'server', deviceId: `d${i}` });
          client.close();
          return ack.type === 'CONNACK' ? ack.status : -1;
        }),
      );
      expect(statuses.filter((s) => s === 3).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 0).length).toBeGreaterThanOrEqual(5);
      expect(statuses.every((s) => s === 0 || s === 3)).toBe(true);
    } finally {
      await limited.stop();
    }
  });
});
