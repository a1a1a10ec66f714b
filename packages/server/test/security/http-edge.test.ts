import { createHash } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/http-server.js';
import { createMetricsRegistry } from '../../src/http/metrics.js';
import { PublicAddress } from '../../src/http/public-url.js';
import { createLogger } from '../../src/logger.js';
import { json, raw } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** The HTTP edge as an attacker meets it: Host headers, slow and many sockets, tokens guessed. */
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const started = await startTestServer(overrides);
  servers.push(started);
  return started;
}

/** A signed getToken whose request carries the given Host header. */
function getTokenWithHost(s: TestServer, host: string) {
  return raw(s.url, 'POST', '/user/getToken.json', {
    body: 'userId=mallory',
    headers: {
      host,
      'content-type': 'application/x-www-form-urlencoded',
      'app-key': s.devApp.appKey,
      nonce: '1',
      timestamp: String(Math.floor(Date.now() / 1000)),
      signature: signatureOf(s.devApp.appSecret, '1', String(Math.floor(Date.now() / 1000))),
    },
  });
}

function signatureOf(secret: string, nonce: string, timestamp: string): string {
  return createHash('sha1').update(secret + nonce + timestamp).digest('hex');
}

function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves true when the server closes the socket within `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
  });
}

describe('Host header', () => {
  it('puts no foreign host into tokens or navigation answers when --public-url is unset', async () => {
    const s = await server();
    const forged = await getTokenWithHost(s, 'evil.example');
    expect(forged.status).toBe(421);
    expect(forged.text).not.toMatch(/"token"/);
    expect(forged.json().errorMessage).toMatch(/--public-url/);
    const navigation = await raw(s.url, 'POST', '/v2/navi.json', { body: 'token=x', headers: { host: 'evil.example:80', 'content-type': 'application/x-www-form-urlencoded' } });
    expect(navigation.text).not.toContain('evil.example');

    const own = await getTokenWithHost(s, `127.0.0.1:${s.port}`);
    expect(own.json().token).toMatch(new RegExp(`@http://127\\.0\\.0\\.1:${s.port}$`));
    expect((await getTokenWithHost(s, `localhost:${s.port}`)).json().token).toMatch(/@http:\/\/localhost:\d+$/);
  });

  it('answers a malformed Host with 400 and logs no error', async () => {
    const s = await server();
    const answer = await getTokenWithHost(s, 'a b');
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ code: 400, errorMessage: 'malformed Host header' });
    expect(s.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('takes names from --allowed-hosts, and ignores the Host entirely under --public-url', async () => {
    const allowed = await server({ allowedHosts: ['chat.example.com'] });
    expect((await getTokenWithHost(allowed, 'chat.example.com')).json().token).toMatch(/@http:\/\/chat\.example\.com$/);
    const fixed = await server({ publicUrl: 'https://im.example.org' });
    expect((await getTokenWithHost(fixed, 'evil.example')).json().token).toMatch(/@https:\/\/im\.example\.org$/);
  });
});

describe('slow and many connections', () => {
  it('closes a client that trickles its headers within seconds', async () => {
    const s = await server();
    const socket = await openSocket(s.port);
    const started = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 500);
    try {
      expect(await closedWithin(socket, 9_000)).toBe(true);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 15_000);

  it('caps open connections per client address and in all, and counts what it refused', async () => {
    const s = await server({ maxConnectionsPerIp: 20, maxConnections: 30 });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) held.push(await openSocket(s.port, '127.0.0.1'));
      const overPerIp = await openSocket(s.port, '127.0.0.1');
      expect(await closedWithin(overPerIp, 2000)).toBe(true);
      for (let i = 0; i < 10; i++) held.push(await openSocket(s.port, '127.0.0.2'));
      const overTotal = await openSocket(s.port, '127.0.0.3');
      expect(await closedWithin(overTotal, 2000)).toBe(true);
      // The held ones are still served.
      held[0]!.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
      await new Promise<void>((resolve) => held[0]!.once('data', () => resolve()));
    } finally {
      for (const socket of held) socket.destroy();
    }
    await expect.poll(async () => (await raw(s.url, 'GET', '/healthz')).status, { timeout: 3000 }).toBe(200);
    const metrics = (await raw(s.url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/parley_connections_refused_total\{cap="per-ip"\} [1-9]/);
    expect(metrics).toMatch(/parley_connections_refused_total\{cap="total"\} [1-9]/);
  });
});

describe('admin and metrics tokens', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ adminToken: 'the-right-admin-token-0123456789' });
  });
  afterAll(() => s.stop());

  const admin = (token: string, forwardedFor?: string) =>
    raw(s.url, 'GET', '/admin/api/apps', { headers: { authorization: `Bearer ${token}`, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) } });

  it('never locks out the right token, however many wrong ones came from the same address', async () => {
    const wrong = await Promise.all(Array.from({ length: 80 }, (_, i) => admin(`wrong-token-${i}-0123456789`)));
    expect(wrong.map((a) => a.status)).toContain(429);
    expect(wrong.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    expect((await admin('the-right-admin-token-0123456789')).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless the peer is a trusted proxy', async () => {
    // The failures above came from 127.0.0.1; a header naming another client does not get it a fresh budget.
    expect((await admin('still-wrong-0123456789', '203.0.113.9')).status).toBe(429);
    const proxied = await server({ adminToken: 'the-right-admin-token-0123456789', trustProxy: ['127.0.0.1'] });
    const as = (client: string) =>
      raw(proxied.url, 'GET', '/admin/api/apps', { headers: { authorization: 'Bearer nope-0123456789abcdef', 'x-forwarded-for': client } });
    const first = await Promise.all(Array.from({ length: 40 }, () => as('203.0.113.1')));
    expect(first.map((a) => a.status)).toContain(429);
    expect((await as('203.0.113.2')).status).toBe(401);
  });

  it('keeps /metrics behind the admin or metrics token when not bound to loopback', async () => {
    // A server of its own: the wrong tokens above spent this address's failure budget, which /metrics shares.
    const own = await server();
    const http = buildHttpServer({
      services: own.services,
      logger: createLogger('silent'),
      metrics: createMetricsRegistry(),
      publicAddress: new PublicAddress(undefined, []),
      adminToken: 'the-right-admin-token-0123456789',
      metricsAccess: { open: false, tokens: ['the-right-admin-token-0123456789', 'scraper-token-0123456789'] },
      trustedProxies: () => false,
      demo: false,
    });
    await http.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
      const metrics = (token?: string) => raw(base, 'GET', '/metrics', { headers: token ? { authorization: `Bearer ${token}` } : {} });
      expect((await metrics()).status).toBe(401);
      expect((await metrics('guess-0123456789abcdef')).status).toBe(401);
      expect((await metrics('scraper-token-0123456789')).text).toContain('parley_http_requests_total');
      expect((await metrics('the-right-admin-token-0123456789')).status).toBe(200);
    } finally {
      await http.close();
    }
    // On a loopback bind (every test server) it stays open.
    expect((await raw(s.url, 'GET', '/metrics')).status).toBe(200);
  });
});

describe('demo routes', () => {
  it('rate-limit each client address, group joins included', async () => {
    const s = await server();
    const { token } = (await raw(s.url, 'POST', '/demo/api/login', json({ userId: 'joiner' }))).json() as { token: string };
    const join = (i: number) => raw(s.url, 'POST', '/demo/api/group', json({ groupId: `g${i}` }, { authorization: `Bearer ${token}` }));
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => join(i)));
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
  });

});
