import { readdirSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { ConnAckStatus, decodePayload, encodeNativeClientFrame, encodePayload, encodeClientFrame, type ServerFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeRawClient } from '../support/native-raw-client.js';
import { RawClient } from '../support/raw-client.js';
import { raw } from '../support/raw-http.js';
import { callServerApi } from '../support/server-api-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * RMTP over TCP as RongCloud's native stack speaks it, with a raw native client: on the HTTP port
 * (told apart by the first byte) and on the native port, beside HTTP and WebSocket clients.
 */
let server: TestServer;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  server = await startTestServer({ maxConnectionsPerIp: 10_000 }, { gateway: { handshakeTimeoutMs: 1000, sweepIntervalMs: 100, handshakesPerIpPerSecond: 100_000 } });
});
afterAll(async () => {
  for (const c of opened) c.close();
  await server.stop();
});

async function tokenFor(userId: string): Promise<string> {
  return String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
}

/** The token as the native stack sends it: the navigation suffix cut, the `@` kept. */
const wireToken = (token: string) => token.replace(/@.*$/, '@');

async function native(port = server.port): Promise<NativeRawClient> {
  const client = await NativeRawClient.open(port);
  opened.push(client);
  return client;
}

async function nativeUser(userId: string, options: { port?: number; deviceId?: string; platform?: 'PC' | 'Android' } = {}): Promise<NativeRawClient> {
  const client = await native(options.port);
  expect(await client.connect(server.devApp.appKey, wireToken(await tokenFor(userId)), options)).toMatchObject({ type: 'CONNACK', status: 0, session: { userId } });
  return client;
}

async function pings(client: NativeRawClient): Promise<void> {
  const before = client.frames.length;
  client.send({ type: 'PINGREQ' });
  await client.nextFrame((f) => f.type === 'PINGRESP' && client.frames.indexOf(f) >= before);
}

describe('native connections', () => {
  it('connect on the HTTP port, which keeps serving HTTP and WebSocket', async () => {
    const alice = await nativeUser('n-alice');
    await pings(alice);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ws = await RawClient.open(server.url);
    opened.push(ws);
    expect(await ws.connect(server.devApp.appKey, await tokenFor('n-web'))).toMatchObject({ status: 0 });
  });

  it('connect on the native port too', async () => {
    expect(server.nativePort).toBeGreaterThan(0);
    await pings(await nativeUser('n-port', { port: server.nativePort }));
  });

  it('exchange messages with WebSocket clients, and get received ones without a direction', async () => {
    const nat = await nativeUser('n-bob');
    const web = await RawClient.open(server.url);
    opened.push(web);
    expect(await web.connect(server.devApp.appKey, await tokenFor('n-carol'))).toMatchObject({ status: 0 });

    const up = encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{"content":"from native"}', clientUniqueId: '1577954953120181369' });
    nat.send({ type: 'PUBLISH', header: { qos: 1 }, topic: 'ppMsgP', targetId: 'n-carol', messageId: 7, payload: up });
    const ack = await nat.nextFrame((f) => f.type === 'PUBACK' && f.messageId === 7);
    expect(ack).toMatchObject({ status: 0, messageUId: expect.stringMatching(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/) });
    await web.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_ntf');

    web.send({ type: 'PUBLISH', header: { qos: 1 }, topic: 'ppMsgP', targetId: 'n-bob', messageId: 8, payload: encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{"content":"from web"}' }) });
    await nat.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_ntf');
    nat.send({ type: 'QUERY', topic: 'pullMsg', targetId: 'n-bob', messageId: 9, payload: encodePayload('SyncRequestMsg', { syncTime: 0, ispolling: false, isPullSend: true }) });
    const pulled = await nat.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === 9);
    if (pulled.type !== 'QUERYACK') throw new Error('not a QUERYACK');
    const { list } = decodePayload('DownStreamMessages', pulled.payload);
    const received = list.find((m) => m.content.includes('from web'));
    const sent = list.find((m) => m.content.includes('from native'));
    expect(received).toMatchObject({ fromUserId: 'n-carol' });
    expect(received?.direction ?? 0).toBe(0);
    expect(sent?.direction).toBe(1);
    // The native stack's ~61-bit send id comes back whole, so its other devices can match it.
    expect(sent?.clientUniqueId).toBe('1577954953120181369');
  });

  it('answer native navigation with two TCP addresses, and web navigation with a WebSocket one', async () => {
    const token = await tokenFor('n-navi');
    const ask = (negotiate: string, platform: string) =>
      raw(server.url, 'POST', '/v2/navi.json', {
        body: `token=${encodeURIComponent(token)}&v=5.46.1&platfrom=${platform}`,
        headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/x-www-form-urlencoded', 'rc-negotiate': negotiate, 'rc-appkey': server.devApp.appKey },
      });
    const nativeAnswer = (await ask('conn=1,2;rtc=4;log=2;iptype=v4,v6', 'electron')).json();
    expect(nativeAnswer.serverAddr).toEqual([
      { addr: `127.0.0.1:${server.port}`, protocol: 1, weight: 1 },
      { addr: `127.0.0.1:${server.nativePort}`, protocol: 1, weight: 1 },
    ]);
    expect(nativeAnswer).not.toHaveProperty('openAnti');
    const webAnswer = (await ask('conn=5,6;rtc=4', 'web')).json();
    expect(webAnswer.serverAddr).toEqual([{ addr: `127.0.0.1:${server.port}`, protocol: 5, weight: 1 }]);
  });

  it('take the device class from the CONNECT: a second desktop login kicks the first, a phone does not', async () => {
    const first = await nativeUser('n-dave', { deviceId: 'pc-1' });
    const phone = await nativeUser('n-dave', { deviceId: 'phone-1', platform: 'Android' });
    await nativeUser('n-dave', { deviceId: 'pc-2' });
    expect(await first.nextFrame((f) => f.type === 'DISCONNECT')).toMatchObject({ status: 1 });
    await first.ended;
    await pings(phone);
  });

  it('notice a client that hangs up on the HTTP port at once: its session ends and the user goes offline', async () => {
    const client = await nativeUser('n-hangup');
    const before = server.gateway.size;
    client.socket.end();
    await expect.poll(() => server.gateway.size, { timeout: 2000 }).toBe(before - 1);
    const online = await callServerApi(server.url, 'user/checkOnline', { userId: 'n-hangup' }, server.devApp);
    expect(online.body.status).toBe('0');
  });

  it('refuse a reconnecting desktop (reconnect-kick bit) while another desktop is online: 31023', async () => {
    await nativeUser('n-erin', { deviceId: 'pc-a' });
    const client = await native();
    const connack = await client.connect(server.devApp.appKey, wireToken(await tokenFor('n-erin')), { deviceId: 'pc-b', reconnect: true });
    expect(connack).toMatchObject({ status: ConnAckStatus.SAME_CLASS_DEVICE_ONLINE });
  });
});

/** The first bytes of a native CONNECT announcing a body of `length` bytes (check byte included). */
function frameHeadAnnouncing(length: number): Uint8Array {
  const lengthBytes: number[] = [];
  for (let rest = length; ; ) {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    lengthBytes.push(rest > 0 ? low | 0x80 : low);
    if (rest === 0) break;
  }
  const header = 0x14;
  return Uint8Array.from([header, lengthBytes.reduce((check, b) => check ^ b, header), ...lengthBytes]);
}

describe('native connections: bad input', () => {
  /** The witness, connected before each abuse, must still be served after it. */
  let witness: NativeRawClient;
  beforeAll(async () => {
    witness = await nativeUser('n-witness');
  });

  const closedSoon = (client: NativeRawClient) => Promise.race([client.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);

  it('closes on garbage before a CONNECT, a wrong check byte, a bad signature and an oversized frame, and logs one line', async () => {
    const linesBefore = server.logs.filter((l) => l.msg === 'native connection closed: not a well-formed RMTP stream').length;
    const connect = encodeNativeClientFrame({
      type: 'CONNECT', keepAliveSeconds: 10, clientId: 'x', appKey: server.devApp.appKey, token: 't@', platform: 'desktop',
      isReconnect: false, refuseIfTaken: false, willTopic: 'RongIMPCClient', willMessage: 'PC--5.46.1', sdkVersion: '5.46.1',
    });
    const badCheck = Uint8Array.from(connect);
    badCheck[1] = (badCheck[1] as number) ^ 0xff;
    const query = encodeNativeClientFrame({ type: 'QUERY', topic: 'pullMsg', targetId: 'x', messageId: 1, payload: Uint8Array.of(8, 0) });
    const badSignature = Uint8Array.from(query);
    badSignature[4] = (badSignature[4] as number) ^ 0x01;
    const oversized = frameHeadAnnouncing(300 * 1024);
    const cases: [string, Uint8Array, number][] = [
      ['garbage on the native port', Uint8Array.of(0x99, 1, 2, 3, 4), server.nativePort!],
      ['garbage after a native first byte', Uint8Array.of(0x10, 0xff, 0xff, 0xff, 0xff, 0xff), server.port],
      ['a wrong check byte', badCheck, server.port],
      ['a bad signature', Uint8Array.from([...connect, ...badSignature]), server.nativePort!],
      ['a frame over 256 KiB', oversized, server.nativePort!],
      // Before it authenticates a client may send no frame larger than a CONNECT needs.
      ['an 8 KiB frame before authenticating', frameHeadAnnouncing(8 * 1024), server.port],
    ];
    for (const [what, bytes, port] of cases) {
      const client = await native(port);
      client.sendBytes(bytes);
      expect({ what, closed: await closedSoon(client) }).toEqual({ what, closed: true });
    }
    const lines = server.logs.filter((l) => l.msg === 'native connection closed: not a well-formed RMTP stream').length - linesBefore;
    expect(lines).toBe(cases.length);
    await pings(witness);
  });

  it('answers a CONNECT of another protocol version with CONNACK 1, then closes', async () => {
    const client = await native();
    const connect = Buffer.from(encodeNativeClientFrame({
      type: 'CONNECT', keepAliveSeconds: 10, clientId: 'x', appKey: 'k', token: 't@', platform: 'desktop',
      isReconnect: false, refuseIfTaken: false, willTopic: 'RongIMPCClient', willMessage: 'PC--5.46.1', sdkVersion: '5.46.1',
    }));
    // The body starts at byte 3 (one length byte); "RCloud" is bytes 2..7 of it, then the version byte, all XORed.
    const versionAt = 3 + 2 + 6;
    connect[versionAt] = (connect[versionAt] as number) ^ 3 ^ 4;
    client.sendBytes(connect);
    expect(await client.nextFrame((f) => f.type === 'CONNACK')).toMatchObject({ status: ConnAckStatus.UNSUPPORTED_PROTOCOL_VERSION });
    await client.ended;
  });

  it('closes 1,000 TCP connections that never send a byte at the deadline, and forgets them', async () => {
    // Server and clients share this process: every socket of both sides is a file here.
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const baseline = openFiles();
    const silent = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        new Promise<Socket>((resolve) => {
          const socket = tcpConnect(i % 2 === 0 ? server.port : server.nativePort!, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => undefined);
        }),
      ),
    );
    try {
      await pings(witness);
      await Promise.all(silent.map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())))));
      for (const s of silent) s.destroy();
      // A little slack for files the rest of the process opens meanwhile (logs, the store).
      await expect.poll(openFiles, { timeout: 3000 }).toBeLessThanOrEqual(baseline + 10);
      await pings(witness);
    } finally {
      for (const s of silent) s.destroy();
    }
  }, 20_000);

  it('answers a flood of bad tokens over TCP with CONNACK 4 each, and keeps serving', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const client = await native(i % 2 === 0 ? server.port : server.nativePort);
        const frame: ServerFrame = await client.connect(server.devApp.appKey, `forged-${i}@`);
        client.close();
        return frame.type === 'CONNACK' ? frame.status : -1;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set([ConnAckStatus.TOKEN_INCORRECT]));
    await pings(witness);
  });

  it('does not mistake a WebSocket client for a native one', async () => {
    const ws = await RawClient.open(server.url);
    opened.push(ws);
    ws.sendBytes(encodeClientFrame({ type: 'PINGREQ' }));
    await ws.closed;
    expect(ws.closeCode).toBe(1002);
  });
});

describe('native connections: the handshake budget', () => {
  it('admits nothing a rate-limited connect carried: no session, no kick of the user', async () => {
    const limited = await startTestServer({}, { gateway: { handshakesPerIpPerSecond: 1 } });
    try {
      const token = (userId: string) =>
        callServerApi(limited.url, 'user/getToken', { userId }, limited.devApp).then((r) => String(r.body.token).replace(/@.*$/, '@'));
      const first = await NativeRawClient.open(limited.port);
      expect(await first.connect(limited.devApp.appKey, await token('budget'), { deviceId: 'pc-1' })).toMatchObject({ status: 0 });
      // The budget holds two a second: use up the second, then the third is refused.
      const spare = await NativeRawClient.open(limited.port);
      await spare.connect(limited.devApp.appKey, await token('budget-other'), { deviceId: 'other' });
      const refused = await NativeRawClient.open(limited.port);
      expect(await refused.connect(limited.devApp.appKey, await token('budget'), { deviceId: 'pc-2' })).toMatchObject({ status: ConnAckStatus.SERVER_UNAVAILABLE });
      await new Promise((r) => setTimeout(r, 300));
      expect(first.frames.filter((f) => f.type === 'DISCONNECT')).toEqual([]);
      for (const c of [first, spare, refused]) c.close();
    } finally {
      await limited.stop();
    }
  });
});
