import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenFile } from '../src/http/admin/admin-token.js';
import { buildHttpServer } from '../src/http/http-server.js';
import { createMetricsRegistry } from '../src/http/metrics.js';
import { PublicAddress } from '../src/http/public-url.js';
import { createLogger } from '../src/logger.js';
import { json, raw } from './support/raw-http.js';
import { makeTempDir } from './support/temp-dir.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** The JSON APIs and static pages behind the web demo and console, over real loopback HTTP. */

describe('admin API', () => {
  const dir = makeTempDir();
  let server: TestServer;
  let token: string;
  const as = (t: string) => ({ authorization: `Bearer ${t}` });
  const call = (method: string, path: string, body?: unknown) =>
    raw(server.url, method, `/admin/api${path}`, body === undefined ? { headers: as(token) } : json(body, as(token)));

  beforeAll(async () => {
    server = await startTestServer({ dataDir: dir.path });
    token = readFileSync(adminTokenFile(dir.path), 'utf8').trim();
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  it('generates an owner-only admin token at first start and keeps it across restarts', async () => {
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(server.createdAdminToken).toBe(token);
    expect(statSync(adminTokenFile(dir.path)).mode & 0o777).toBe(0o600);
    const again = await startTestServer({ dataDir: dir.path });
    try {
      expect(again.createdAdminToken).toBeUndefined();
      expect((await raw(again.url, 'GET', '/admin/api/apps', { headers: as(token) })).status).toBe(200);
    } finally {
      await again.close();
    }
  });

  it('answers 401 without the right bearer token, and uses a configured token instead of the file', async () => {
    const missing = await raw(server.url, 'GET', '/admin/api/apps');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    expect(missing.json()).toEqual({ code: 401, errorMessage: 'send the admin token as Authorization: Bearer <token>' });
    const wrong = await raw(server.url, 'GET', '/admin/api/apps', { headers: as(`${token}x`) });
    expect(wrong.json()).toEqual({ code: 401, errorMessage: 'the admin token is wrong' });
    expect((await raw(server.url, 'POST', '/admin/api/apps', json({ name: 'x' }, as('nope')))).status).toBe(401);

    const configured = await startTestServer({ adminToken: 'configured-admin-token-1234' });
    try {
      expect(configured.createdAdminToken).toBeUndefined();
      expect((await raw(configured.url, 'GET', '/admin/api/apps', { headers: as('configured-admin-token-1234') })).status).toBe(200);
      expect((await raw(configured.url, 'GET', '/admin/api/apps', { headers: as(token) })).status).toBe(401);
    } finally {
      await configured.stop();
    }
  });

  it('lists, creates and configures apps, and never sends an App Secret', async () => {
    const list = await call('GET', '/apps');
    expect(list.status).toBe(200);
    expect(list.json().apps).toEqual([expect.objectContaining({ appKey: server.devApp.appKey, name: 'dev', state: 'active' })]);
    expect(list.text).not.toContain(server.devApp.appSecret);
    expect(list.text).not.toContain('appSecret');

    const created = await call('POST', '/apps', { name: 'shop', devicePolicy: 'multi', maxDevices: 3, safeDomains: ['shop.example'] });
    expect(created.status).toBe(201);
    const app = created.json().app as Record<string, unknown>;
    expect(app).toMatchObject({ name: 'shop', devicePolicy: 'multi', maxDevices: 3, safeDomains: ['shop.example'], tokenLifetimeSeconds: 0, state: 'active' });
    expect(app).not.toHaveProperty('appSecret');
    const appKey = String(app.appKey);

    const changed = await call('PATCH', `/apps/${appKey}`, { tokenLifetimeSeconds: 3600, signatureMode: 'strict' });
    expect(changed.json().app).toMatchObject({ tokenLifetimeSeconds: 3600, signatureMode: 'strict', devicePolicy: 'multi' });
    expect((await server.services.apps.require(appKey)).tokenLifetimeSeconds).toBe(3600);

    const before = (await server.services.apps.require(appKey)).appSecret;
    const rotated = await call('POST', `/apps/${appKey}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const after = (await server.services.apps.require(appKey)).appSecret;
    expect(after).not.toBe(before);
    expect(rotated.text).not.toContain(after);

    expect((await call('POST', `/apps/${appKey}/block`)).json().app).toMatchObject({ state: 'blocked' });
    expect((await call('POST', `/apps/${appKey}/unblock`)).json().app).toMatchObject({ state: 'active' });
    expect(server.logText()).not.toContain(after);
    expect(server.logText()).not.toContain(token);
  });

  it('refuses bad app input with a 400 that names the field, unknown apps with 404, deleted ones with 409', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/apps', { devicePolicy: 'single' }, 400, 'name: '],
      ['POST', '/apps', { name: 'x', devicePolicy: 'everyone' }, 400, 'devicePolicy: '],
      ['POST', '/apps', { name: 'x', colour: 'red' }, 400, 'colour'],
      ['POST', '/apps', { name: 'x', safeDomains: ['http://bad/'] }, 400, 'safeDomains.0: '],
      ['PATCH', `/apps/${server.devApp.appKey}`, {}, 400, 'at least one setting'],
      ['PATCH', `/apps/${server.devApp.appKey}`, { maxDevices: 0 }, 400, 'maxDevices: '],
      ['PATCH', '/apps/nosuchapp', { maxDevices: 2 }, 404, 'no app with App Key nosuchapp'],
      ['POST', '/apps/NOT-A-KEY/block', undefined, 400, 'appKey: '],
    ];
    for (const [method, path, body, status, message] of cases) {
      const answer = await call(method, path, body);
      expect({ path, body, status: answer.status }).toEqual({ path, body, status });
      expect(String(answer.json().errorMessage)).toContain(message);
    }
    const malformed = await raw(server.url, 'POST', '/admin/api/apps', { body: '{"name":', headers: { 'content-type': 'application/json', ...as(token) } });
    expect(malformed.json()).toEqual({ code: 400, errorMessage: 'the body is not valid JSON' });

    const doomed = String(((await call('POST', '/apps', { name: 'doomed' })).json().app as { appKey: string }).appKey);
    await server.services.apps.setState(doomed, 'deleted');
    expect((await call('POST', `/apps/${doomed}/unblock`)).status).toBe(409);
  });

  it('shows and changes a user: token, block, unblock, expire tokens, deactivate', async () => {
    const appKey = server.devApp.appKey;
    const path = `/apps/${appKey}/users/carol`;
    const issued = await call('POST', `${path}/token`);
    expect(issued.json()).toMatchObject({ userId: 'carol', token: expect.stringMatching(/^[A-Za-z0-9_-]+@http:\/\/127\.0\.0\.1:\d+$/) });

    const shown = (await call('GET', path)).json().user;
    expect(shown).toMatchObject({ userId: 'carol', registered: true, blockedUntil: null, deactivated: false, devices: [] });

    const blocked = await call('POST', `${path}/block`, { minutes: 10 });
    expect(blocked.status).toBe(200);
    expect((await call('GET', path)).json().user).toMatchObject({ blockedUntil: expect.any(Number) });
    await call('POST', `${path}/unblock`);
    expect((await call('GET', path)).json().user).toMatchObject({ blockedUntil: null });

    await call('POST', `${path}/expire-tokens`, { before: 1234 });
    expect((await call('GET', path)).json().user).toMatchObject({ tokensValidAfter: 1234 });

    await call('POST', `${path}/deactivate`);
    expect((await call('GET', path)).json().user).toMatchObject({ deactivated: true });
    await call('POST', `${path}/reactivate`);
    expect((await call('GET', path)).json().user).toMatchObject({ deactivated: false });

    expect((await call('GET', `/apps/${appKey}/users/never-seen`)).json().user).toMatchObject({ registered: false });
    expect((await call('GET', `/apps/${appKey}/users/no%20spaces`)).status).toBe(400);
    expect((await call('POST', `${path}/block`, { minutes: 0 })).json()).toMatchObject({ code: 400, errorMessage: expect.stringContaining('minutes') });
    expect((await call('POST', `${path}/block`)).status).toBe(400);
  });

  it('reports live figures', async () => {
    const stats = (await call('GET', '/stats')).json();
    expect(stats).toMatchObject({ intervalMs: 5000, windowMs: 900_000, current: { connections: 0, connectsPerSecond: 0, messagesPerSecond: 0 }, series: expect.any(Array) });
  });
});

describe('demo app server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('registers a user of the development app and returns a token, never the secret', async () => {
    const answer = await raw(server.url, 'POST', '/demo/api/login', json({ userId: 'dana' }));
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ appKey: server.devApp.appKey, userId: 'dana', token: expect.stringMatching(/@http:\/\/127\.0\.0\.1:\d+$/) });
    expect(answer.text).not.toContain(server.devApp.appSecret);
    expect(await server.services.users.get(server.devApp.appKey, 'dana')).toMatchObject({ userId: 'dana' });
  });

  it('joins the user its token names to a demo group, and names no other member', async () => {
    const { token } = (await raw(server.url, 'POST', '/demo/api/login', json({ userId: 'erin' }))).json() as { token: string };
    await server.services.groups.join(server.devApp.appKey, 'lobby', ['frank']);
    const answer = await raw(server.url, 'POST', '/demo/api/group', json({ groupId: 'lobby' }, { authorization: `Bearer ${token}` }));
    expect(answer.json()).toEqual({ groupId: 'lobby' });
    expect(await server.services.groups.members(server.devApp.appKey, 'lobby')).toEqual(['erin', 'frank']);
  });

  it('refuses bad input clearly', async () => {
    const cases: [string, { body?: string; headers?: Record<string, string> }, number, string][] = [
      ['/demo/api/login', json({ userId: 'no spaces' }), 400, 'userId: must be 1-64 characters'],
      ['/demo/api/login', json({ userId: 'x'.repeat(65) }), 400, 'userId: '],
      ['/demo/api/login', json({}), 400, 'userId: '],
      ['/demo/api/login', json({ userId: 'a', admin: true }), 400, 'admin'],
      ['/demo/api/login', { body: 'userId=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'Unsupported Media Type'],
      ['/demo/api/group', json({ groupId: 'lobby' }), 401, 'log in first'],
      ['/demo/api/group', json({ groupId: 'lobby' }, { authorization: 'Bearer forged@http://x' }), 401, 'not accepted'],
      ['/demo/api/group', json({ userId: 'dana', groupId: 'lobby' }), 400, 'userId'],
    ];
    for (const [path, options, status, message] of cases) {
      const answer = await raw(server.url, 'POST', path, options);
      expect({ path, body: options.body, status: answer.status }).toEqual({ path, body: options.body, status });
      expect(answer.json()).toEqual({ code: status, errorMessage: expect.stringContaining(message) });
    }
  });

  it('says so when the development app is blocked, and never signs users into another app once it is deleted', async () => {
    const { token } = (await raw(server.url, 'POST', '/demo/api/login', json({ userId: 'dana' }))).json() as { token: string };
    await server.services.apps.setState(server.devApp.appKey, 'blocked');
    const blocked = await raw(server.url, 'POST', '/demo/api/login', json({ userId: 'dana' }));
    expect(blocked.status).toBe(403);
    expect(String(blocked.json().errorMessage)).toContain('blocked');
    await server.services.apps.setState(server.devApp.appKey, 'deleted');
    const production = await server.services.apps.create({ name: 'production' });
    const login = await raw(server.url, 'POST', '/demo/api/login', json({ userId: 'dana' }));
    const group = await raw(server.url, 'POST', '/demo/api/group', json({ groupId: 'lobby' }, { authorization: `Bearer ${token}` }));
    for (const refused of [login, group]) {
      expect(refused.status).toBe(503);
      expect(refused.text).not.toContain(production.appKey);
    }
    expect(await server.services.users.get(production.appKey, 'dana')).toBeUndefined();
  });
});

describe('web pages', () => {
  const web = makeTempDir('parley-web-');
  let server: TestServer;
  const built: FastifyInstance[] = [];

  /** An HTTP edge over the running server's services, with its own web root and demo switch. */
  async function edge(options: { webRoot: string; demo?: boolean }): Promise<string> {
    const http = buildHttpServer({
      services: server.services,
      logger: createLogger('silent'),
      metrics: createMetricsRegistry(),
      publicAddress: new PublicAddress(undefined, ['127.0.0.1']),
      adminToken: 'edge-admin-token-0123456789',
      metricsAccess: { open: true, tokens: [] },
      trustedProxies: () => false,
      demo: true,
      ...options,
    });
    built.push(http);
    await http.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    server = await startTestServer();
    mkdirSync(join(web.path, 'site', 'assets'), { recursive: true });
    mkdirSync(join(web.path, 'site', 'console'), { recursive: true });
    writeFileSync(join(web.path, 'site', 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(web.path, 'site', 'console', 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(web.path, 'site', 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(join(web.path, 'site', 'assets', 'app-1234.css'), 'body{}');
    writeFileSync(join(web.path, 'site', 'assets', '.env'), 'HIDDEN');
    writeFileSync(join(web.path, 'secret.txt'), 'OUTSIDE');
  });
  afterAll(async () => {
    for (const http of built) await http.close();
    await server.stop();
    web.remove();
  });

  it('serves the demo, the console and their assets with the right types and headers', async () => {
    const base = await edge({ webRoot: join(web.path, 'site') });
    const demo = await raw(base, 'GET', '/');
    expect(demo).toMatchObject({ status: 200, text: '<!doctype html><title>demo</title>' });
    expect(demo.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(demo.headers['content-security-policy']).toContain("script-src 'self'");
    for (const path of ['/console', '/console/', '/console/index.html']) {
      expect(await raw(base, 'GET', path)).toMatchObject({ status: 200, text: '<!doctype html><title>console</title>' });
    }
    const script = await raw(base, 'GET', '/assets/app-1234.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toContain('immutable');
    expect((await raw(base, 'GET', '/assets/app-1234.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('never reads outside the build and answers 404 JSON for unknown files', async () => {
    const base = await edge({ webRoot: join(web.path, 'site') });
    for (const path of ['/assets/nope.js', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/../../secret.txt', '/console/..%2f..%2fsecret.txt', '/assets/.env', '/assets/%00x', '/assets/a%5c..%5c..%5csecret.txt', '/assets/']) {
      const answer = await raw(base, 'GET', path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.text).not.toMatch(/OUTSIDE|HIDDEN/);
      expect(answer.json()).toMatchObject({ code: 404, errorMessage: expect.any(String) });
    }
  });

  it('leaves the API routes alone', async () => {
    const base = await edge({ webRoot: join(web.path, 'site') });
    expect((await raw(base, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await raw(base, 'POST', '/v2/navi.json', { body: 'token=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(401);
    expect((await raw(base, 'POST', '/user/getToken.json', { body: 'userId=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json()).toMatchObject({ code: 1004 });
    expect((await raw(base, 'GET', '/metrics')).text).toContain('parley_http_requests_total');
  });

  it('says to build when the pages are missing', async () => {
    const base = await edge({ webRoot: join(web.path, 'not-built') });
    const answer = await raw(base, 'GET', '/');
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('npm run build');
    expect((await raw(base, 'GET', '/console')).json()).toMatchObject({ code: 404, errorMessage: expect.stringContaining('npm run build') });
  });

  it('has no demo routes when the demo is off', async () => {
    const base = await edge({ webRoot: join(web.path, 'site'), demo: false });
    const answer = await raw(base, 'POST', '/demo/api/login', json({ userId: 'dana' }));
    expect(answer.status).toBe(404);
  });
});
