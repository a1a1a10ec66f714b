import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionErrorCode as Code, ConnectionStatus, DatabaseOpenStatus, IMClient, type ConnectCallback } from '@parley/client';
import { callServerApi, type Credentials } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

/** @parley/client in Node against a real server on loopback. */
let server: TestServer;
let dev: Credentials;
const dataDir = makeTempDir('parley-client-');
const clients: IMClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  dev = server.devApp;
});
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  await server.stop();
  dataDir.remove();
});

async function tokenFor(userId: string, creds: Credentials = dev): Promise<string> {
  const response = await callServerApi(server.url, 'user/getToken', { userId }, creds);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

function client(appKey = dev.appKey, options: Parameters<IMClient['init']>[1] = {}): IMClient {
  const c = new IMClient();
  c.init(appKey, { dataDir: dataDir.path, ...options });
  clients.push(c);
  return c;
}

interface Outcome {
  events: string[];
  result: Promise<{ ok: true; userId: string } | { ok: false; code: number }>;
  callback: ConnectCallback;
}

function outcome(): Outcome {
  const events: string[] = [];
  let settle!: (r: { ok: true; userId: string } | { ok: false; code: number }) => void;
  const result = new Promise<{ ok: true; userId: string } | { ok: false; code: number }>((r) => (settle = r));
  return {
    events,
    result,
    callback: {
      onDatabaseOpened: (status) => events.push(`db:${status}`),
      onSuccess: (userId) => {
        events.push(`success:${userId}`);
        settle({ ok: true, userId });
      },
      onError: (code) => {
        events.push(`error:${code}`);
        settle({ ok: false, code });
      },
    },
  };
}

describe('@parley/client connect', () => {
  it('connects: onDatabaseOpened, then onSuccess; CONNECTING then CONNECTED', async () => {
    const c = client();
    const statuses: number[] = [];
    c.addConnectionStatusListener((s) => statuses.push(s));
    const o = outcome();
    c.connect(await tokenFor('c-alice'), 10, o.callback);
    expect(await o.result).toEqual({ ok: true, userId: 'c-alice' });
    expect(o.events).toEqual([`db:${DatabaseOpenStatus.DATABASE_OPEN_SUCCESS}`, 'success:c-alice']);
    expect(statuses).toEqual([ConnectionStatus.CONNECTING, ConnectionStatus.CONNECTED]);
    expect(c.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
    expect(c.getCurrentUserId()).toBe('c-alice');
    await expect.poll(async () => (await callServerApi(server.url, 'user/checkOnline', { userId: 'c-alice' }, dev)).body.status).toBe('1');
  });

  it('gives 33001 before init and 33003 for bad arguments', async () => {
    const notInit = new IMClient();
    const o = outcome();
    notInit.connect('token', o.callback);
    expect(await o.result).toEqual({ ok: false, code: Code.RC_CLIENT_NOT_INIT });

    const c = client();
    for (const [token, limit, userId] of [['', 0, undefined], ['t', Number.NaN, undefined], ['t', 0, 'bad user']] as const) {
      const bad = outcome();
      if (userId === undefined) c.connect(token, limit, bad.callback);
      else c.connect(token, limit, userId, bad.callback);
      expect(await bad.result).toEqual({ ok: false, code: Code.RC_INVALID_PARAMETER });
    }
  });

  it('answers a second connect with 34001 and leaves the first connection alone', async () => {
    const c = client();
    const first = outcome();
    const token = await tokenFor('c-bob');
    c.connect(token, first.callback);
    const second = outcome();
    c.connect(token, second.callback);
    expect(await second.result).toEqual({ ok: false, code: Code.RC_CONNECTION_EXIST });
    expect(await first.result).toEqual({ ok: true, userId: 'c-bob' });
    const third = outcome();
    c.connect(token, third.callback);
    expect(await third.result).toEqual({ ok: false, code: Code.RC_CONNECTION_EXIST });
    expect(c.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
  });

  it.each([
    ['a forged token', async () => ({ token: (await tokenFor('c-x')).replace(/^(.{12})(.)/, (_m, h: string, ch: string) => h + (ch === 'A' ? 'B' : 'A')) }), Code.RC_CONN_TOKEN_INCORRECT, ConnectionStatus.TOKEN_INCORRECT],
    ['an unknown App Key', async () => ({ token: await tokenFor('c-y'), appKey: 'unknownappkey0' }), Code.RC_CONN_ID_REJECT, ConnectionStatus.UNCONNECTED],
    [
      'a blocked user',
      async () => {
        const token = await tokenFor('c-blocked');
        await callServerApi(server.url, 'user/block', { userId: 'c-blocked', minute: 5 }, dev);
        return { token };
      },
      Code.RC_CONN_USER_BLOCKED,
      ConnectionStatus.CONN_USER_BLOCKED,
    ],
    [
      'an expired token',
      async () => {
        const token = await tokenFor('c-expired');
        await callServerApi(server.url, 'user/token/expire', { userId: 'c-expired', time: Date.now() + 1 }, dev);
        return { token };
      },
      Code.RC_CONN_TOKEN_EXPIRE,
      ConnectionStatus.TOKEN_INCORRECT,
    ],
    [
      'a deactivated user',
      async () => {
        const token = await tokenFor('c-gone');
        await callServerApi(server.url, 'user/deactivate', { userId: 'c-gone' }, dev);
        return { token };
      },
      Code.RC_CONN_USER_DEACTIVATED,
      ConnectionStatus.UNCONNECTED,
    ],
    [
      'a blocked app',
      async () => {
        const app = await server.services.apps.create({ name: 'c-blocked-app' });
        const token = await tokenFor('c-z', { appKey: app.appKey, appSecret: app.appSecret });
        await server.services.apps.setState(app.appKey, 'blocked');
        return { token, appKey: app.appKey };
      },
      Code.RC_CONN_APP_BLOCKED_OR_DELETED,
      ConnectionStatus.UNCONNECTED,
    ],
  ])('ends at once with the business error for %s', async (_name, prepare, code, status) => {
    const { token, appKey } = (await prepare()) as { token: string; appKey?: string };
    const c = client(appKey);
    const o = outcome();
    const started = Date.now();
    c.connect(token, 0, o.callback);
    expect(await o.result).toEqual({ ok: false, code });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(c.getCurrentConnectionStatus()).toBe(status);
  });
});

describe('@parley/client sessions ended by the server', () => {
  it('reports KICKED_OFFLINE_BY_OTHER_CLIENT (31010) to the older device and does not reconnect', async () => {
    const token = await tokenFor('c-kate');
    const first = client();
    const codes: (number | undefined)[] = [];
    first.addConnectionStatusListener((s, code) => codes.push(s, code));
    await first.connectAsync(token);
    const second = client();
    await second.connectAsync(token);
    await expect.poll(() => first.getCurrentConnectionStatus(), { timeout: 3000 }).toBe(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    expect(codes).toContain(Code.RC_DISCONN_KICK);
    await new Promise((r) => setTimeout(r, 1500));
    expect(first.getCurrentConnectionStatus()).toBe(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    expect(second.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
  });

  it('reports CONN_USER_BLOCKED (31011) when blocked online, without reconnecting', async () => {
    const c = client();
    const codes: (number | undefined)[] = [];
    c.addConnectionStatusListener((_s, code) => codes.push(code));
    await c.connectAsync(await tokenFor('c-jack'));
    await callServerApi(server.url, 'user/block', { userId: 'c-jack', minute: 1 }, dev);
    await expect.poll(() => c.getCurrentConnectionStatus(), { timeout: 3000 }).toBe(ConnectionStatus.CONN_USER_BLOCKED);
    expect(codes).toContain(Code.RC_DISCONN_USER_BLOCKED);
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONN_USER_BLOCKED);
  });
});

describe('@parley/client local database and navigation cache', () => {
  it('reports DATABASE_OPEN_ERROR when the database cannot open, and carries on without it', async () => {
    const blocker = join(dataDir.path, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const c = client(dev.appKey, { dataDir: join(blocker, 'inside') });
    const o = outcome();
    c.connect(await tokenFor('c-nodb'), 10, 'c-nodb', o.callback);
    expect(await o.result).toEqual({ ok: true, userId: 'c-nodb' });
    expect(o.events).toEqual([`db:${DatabaseOpenStatus.DATABASE_OPEN_ERROR}`, 'success:c-nodb']);
  });

  it('connects with no navigation round trip when the user is known and the cache is warm', async () => {
    const navigations = async () => {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const line = metrics.split('\n').find((l) => l.startsWith('parley_http_requests_total{method="POST",route="/v2/navi.json",status="200"}'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const token = await tokenFor('c-cache');
    const first = client();
    await first.connectAsync(token, 0, 'c-cache');
    first.disconnect();
    const before = await navigations();
    const second = client();
    await second.connectAsync(token, 0, 'c-cache');
    expect(await navigations()).toBe(before);
    expect(second.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
  });
});
