import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callServerApi, type Credentials } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let dev: Credentials;
const call = (path: string, params: Parameters<typeof callServerApi>[2] = {}, creds: Credentials = dev, options = {}) =>
  callServerApi(server.url, path, params, creds, options);

beforeAll(async () => {
  server = await startTestServer();
  dev = server.devApp;
});
afterAll(() => server.stop());

describe('Server API: users', () => {
  it('registers a user, returns a token with the navigation suffix, and answers user info', async () => {
    const issued = await call('user/getToken', { userId: 'alice', name: 'Alice', portraitUri: 'http://img/a.png' });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ code: 200, userId: 'alice' });
    expect(String(issued.body.token)).toMatch(new RegExp(`^[A-Za-z0-9_-]+@${server.url.replace(/[.:/]/g, '\\$&')}$`));
    expect(Buffer.byteLength(String(issued.body.token))).toBeLessThanOrEqual(256);

    const info = await call('user/info', { userId: 'alice' });
    expect(info.body).toMatchObject({ code: 200, userName: 'Alice', userPortrait: 'http://img/a.png' });
    expect(String(info.body.createTime)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    expect((await call('user/refresh', { userId: 'alice', name: 'Alice B' })).body).toEqual({ code: 200 });
    expect((await call('user/info', { userId: 'alice' })).body).toMatchObject({ userName: 'Alice B', userPortrait: 'http://img/a.png' });
  });

  it('issues a new token without invalidating the older one', async () => {
    const first = String((await call('user/getToken', { userId: 'bob' })).body.token);
    const second = String((await call('user/getToken', { userId: 'bob' })).body.token);
    expect(first).not.toBe(second);
    for (const token of [first, second]) expect((await navigate(token, dev.appKey)).status).toBe(200);
  });

  it('blocks, lists and unblocks users', async () => {
    expect((await call('user/block', { userId: ['carol', 'dave'], minute: 10 })).body).toEqual({ code: 200 });
    const listed = await call('user/block/query', {});
    const users = listed.body.users as { userId: string; blockEndTime: string; blockEndTimeMs: number }[];
    expect(users.map((u) => u.userId)).toEqual(['carol', 'dave']);
    expect(users[0]!.blockEndTimeMs).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect((await call('user/unblock', { userId: 'carol' })).body).toEqual({ code: 200 });
    expect(((await call('user/block/query', { page: 1, size: 10 })).body.users as unknown[]).length).toBe(1);
  });

  it('answers checkOnline for a user with no connection', async () => {
    expect((await call('user/checkOnline', { userId: 'alice' })).body).toEqual({ code: 200, status: '0' });
  });

  it('accepts the RC- prefixed header twins and millisecond timestamps', async () => {
    const response = await call('user/checkOnline', { userId: 'alice' }, dev, { headerPrefix: 'RC-', timestamp: String(Date.now()) });
    expect(response.body).toEqual({ code: 200, status: '0' });
  });
});

describe('Server API: bad input changes nothing', () => {
  it.each([
    ['missing userId', 'user/getToken', {}, /userId is required/],
    ['bad userId charset', 'user/getToken', { userId: 'a b' }, /userId/],
    ['userId over 64 bytes', 'user/getToken', { userId: 'x'.repeat(65) }, /userId/],
    ['name over 128 bytes', 'user/getToken', { userId: 'ok', name: '名'.repeat(43) }, /name: must be at most 128 bytes/],
    ['block minutes 0', 'user/block', { userId: 'ok', minute: 0 }, /minute: must be at least 1/],
    ['block minutes 43201', 'user/block', { userId: 'ok', minute: 43201 }, /minute: must be at most 43200/],
    ['block minutes not a number', 'user/block', { userId: 'ok', minute: '1e3' }, /minute: must be an integer/],
    ['21 users in one call', 'user/block', { userId: Array.from({ length: 21 }, (_, i) => `u${i}`), minute: 1 }, /at most 20/],
    ['duplicated single field', 'user/checkOnline', { userId: ['a', 'b'] }, /once/],
    ['expire without time', 'user/token/expire', { userId: 'ok' }, /time is required/],
    ['refresh of an unknown user', 'user/refresh', { userId: 'ghost', name: 'x' }, /not registered/],
  ])('%s → 1002', async (_name, path, params, message) => {
    const response = await call(path, params as Record<string, string>);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(1002);
    expect(response.body.errorMessage).toMatch(message);
  });

  it('a refused call leaves no trace', async () => {
    await call('user/block', { userId: ['keep1', 'bad id'], minute: 5 });
    expect((await call('user/info', { userId: 'keep1' })).status).toBe(400);
    const blocked = (await call('user/block/query', {})).body.users as { userId: string }[];
    expect(blocked.map((u) => u.userId)).not.toContain('keep1');
  });

  it('refuses a body over 100 KiB with a JSON error', async () => {
    const response = await call('user/getToken', { userId: 'big', name: 'x'.repeat(101 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe(1002);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${server.url}/no/such/path.json`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 404 });
  });

  it('refuses a wrong secret, an unknown App Key and missing headers with 1004 / HTTP 401', async () => {
    for (const creds of [{ ...dev, appSecret: 'wrong' }, { appKey: 'nosuchapp00000', appSecret: 'x' }]) {
      const response = await call('user/getToken', { userId: 'mallory' }, creds);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe(1004);
    }
    const bare = await fetch(`${server.url}/user/getToken.json`, { method: 'POST', body: new URLSearchParams({ userId: 'm' }) });
    expect(bare.status).toBe(401);
    expect((await bare.json()) as object).toMatchObject({ code: 1004 });
    expect((await call('user/info', { userId: 'mallory' })).body.code).toBe(1002);
  });

  it('never answers with a stack trace or SQL text', async () => {
    const weird = await fetch(`${server.url}/user/getToken.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'App-Key': dev.appKey },
      body: '{"userId": "x"',
    });
    const text = await weird.text();
    expect(weird.status).toBeGreaterThanOrEqual(400);
    expect(text).not.toMatch(/at .*\.js:\d+|SQLITE|sqlite/i);
  });
});

describe('Server API: strict signature mode and limits', () => {
  let strictApp: Credentials;
  beforeAll(async () => {
    const created = await server.services.apps.create({ name: 'strict', signatureMode: 'strict', apiRateLimit: 5 });
    strictApp = { appKey: created.appKey, appSecret: created.appSecret };
  });

  it('refuses a replayed nonce and a stale timestamp; accepts fresh ones', async () => {
    const fresh = { nonce: 'n-1', timestamp: String(Math.floor(Date.now() / 1000)) };
    expect((await call('user/checkOnline', { userId: 'a' }, strictApp, fresh)).body.code).toBe(200);
    const replay = await call('user/checkOnline', { userId: 'a' }, strictApp, fresh);
    expect(replay.status).toBe(401);
    expect(replay.body.errorMessage).toMatch(/Nonce already used/);
    const stale = await call('user/checkOnline', { userId: 'a' }, strictApp, { timestamp: String(Math.floor(Date.now() / 1000) - 600) });
    expect(stale.status).toBe(401);
    expect(stale.body.errorMessage).toMatch(/5 minutes/);
  });

  it('answers 1008 / HTTP 429 past the app rate limit, without touching other apps', async () => {
    const responses = [];
    for (let i = 0; i < 12; i++) responses.push(await call('user/checkOnline', { userId: 'a' }, strictApp));
    const limited = responses.find((r) => r.status === 429);
    expect(limited?.body).toMatchObject({ code: 1008 });
    expect(responses[0]?.status).toBe(200);
    expect((await call('user/checkOnline', { userId: 'a' })).status).toBe(200);
  });

  it("keeps apps apart: one app's token is not accepted for another's App Key", async () => {
    const token = String((await call('user/getToken', { userId: 'alice' }, dev)).body.token);
    const other = await server.services.apps.get(strictApp.appKey);
    expect(other).toBeDefined();
    // Navigation passes it (the MAC holds under its own app); the gateway refuses the App Key mismatch.
    const { verifyConnect } = await import('../src/core/tokens/token-verification.js');
    const verdict = await verifyConnect({
      token,
      presentedAppKey: strictApp.appKey,
      app: other,
      lookupUser: (a, u) => server.services.users.get(a, u),
      now: Date.now(),
    });
    expect(verdict).toEqual({ ok: false, refusal: 'token-incorrect' });
  });
});

describe('navigation', () => {
  it('answers serverAddr for a valid token, with CORS, even for an unknown App Key', async () => {
    const token = String((await call('user/getToken', { userId: 'nav' })).body.token);
    for (const appKey of [dev.appKey, 'unknownkey0000']) {
      const response = await navigate(token, appKey);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const body = (await response.json()) as { code: number; serverAddr: { addr: string; protocol: number }[] };
      expect(body.code).toBe(200);
      expect(body.serverAddr).toEqual([{ addr: new URL(server.url).host, protocol: 5, weight: 1 }]);
    }
  });

  it('refuses only a token whose MAC fails, with 401', async () => {
    const token = String((await call('user/getToken', { userId: 'nav2' })).body.token);
    const forged = token.replace(/^(.{10})(.)/, (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
    expect((await navigate(forged, dev.appKey)).status).toBe(401);
    expect((await navigate('', dev.appKey)).status).toBe(401);
    await call('user/block', { userId: 'nav2', minute: 5 });
    expect((await navigate(token, dev.appKey)).status).toBe(200);
  });

  it('answers the browser preflight', async () => {
    const response = await fetch(`${server.url}/v2/navi.json`, { method: 'OPTIONS', headers: { origin: 'http://other.example' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/RC-Appkey/);
  });
});

describe('operations', () => {
  it('serves /healthz and Prometheus metrics by route', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_http_requests_total\{method="POST",route="\/user\/getToken.json",status="200"\} \d+/);
    expect(metrics).toMatch(/parley_http_request_duration_seconds_bucket/);
  });

  it('never writes an App Secret or a whole token to the log', async () => {
    const token = String((await call('user/getToken', { userId: 'logcheck' })).body.token);
    await navigate(token, dev.appKey);
    await call('user/getToken', { userId: 'logcheck' }, { ...dev, appSecret: 'wrong-secret' });
    const logs = server.logText();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(dev.appSecret);
    expect(logs).not.toContain(token.split('@')[0]);
  });
});

function navigate(token: string, appKey: string): Promise<Response> {
  return fetch(`${server.url}/v2/navi.json?cloud=0`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'RC-Appkey': appKey, 'RC-Negotiate': 'conn=5' },
    body: new URLSearchParams({ token, v: '5.38.0', platfrom: 'browser' }).toString(),
  });
}
