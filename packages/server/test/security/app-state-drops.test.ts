import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OfficialClient } from '../support/official-sdk/official-client.js';
import { raw } from '../support/raw-http.js';
import { callServerApi, type Credentials } from '../support/server-api-client.js';
import { PARLEY_BIN, startRestartableServer, startTestServer, type RestartableServer, type TestServer } from '../support/test-server.js';

/**
 * Blocking, deleting or rotating the secret of an app ends its live sessions, whichever way the
 * change is made, as the unmodified official Web SDK sees it: DISCONNECT 6 sends it back to
 * navigation, where it hears the real answer (31008 for the app, 31004 for an old token) and stops.
 */
const clients: OfficialClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function official(baseUrl: string, appKey: string): Promise<OfficialClient> {
  const client = await OfficialClient.start({ appKey, navigators: [baseUrl] });
  clients.push(client);
  return client;
}

async function tokenFor(baseUrl: string, credentials: Credentials, userId: string): Promise<string> {
  const response = await callServerApi(baseUrl, 'user/getToken', { userId }, credentials);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

async function connected(baseUrl: string, credentials: Credentials, userId: string): Promise<OfficialClient> {
  const client = await official(baseUrl, credentials.appKey);
  expect(await client.connect(await tokenFor(baseUrl, credentials, userId))).toEqual({ code: 0, userId });
  return client;
}

/** No event of these kinds arrives in the next `ms`. */
async function staysQuiet(client: OfficialClient, names: string[], ms: number): Promise<void> {
  const mark = client.events.length;
  await new Promise((r) => setTimeout(r, ms));
  expect(client.events.slice(mark).filter((e) => names.includes(e.event)).map((e) => e.event)).toEqual([]);
}

/** The SDK's last word: a DISCONNECT after which it neither connects nor tries to. */
async function endsWith(client: OfficialClient, code: number): Promise<number> {
  const ended = await client.waitForEvent('DISCONNECT');
  expect(ended.payload).toBe(code);
  await staysQuiet(client, ['CONNECTING', 'CONNECTED'], 2000);
  return ended.at;
}

describe('an app changed through the admin API', () => {
  let server: TestServer;
  let adminToken: string;
  const admin = (appKey: string, verb: string) =>
    raw(server.url, 'POST', `/admin/api/apps/${appKey}/${verb}`, { headers: { authorization: `Bearer ${adminToken}` } });
  const newApp = async (name: string): Promise<Credentials> => {
    const app = await server.services.apps.create({ name });
    return { appKey: app.appKey, appSecret: app.appSecret };
  };

  beforeAll(async () => {
    server = await startTestServer();
    adminToken = server.createdAdminToken ?? '';
    expect(adminToken).not.toBe('');
  });
  afterAll(() => server.stop());

  it('block: the connected SDK ends with 31008 at once and does not reconnect', async () => {
    const app = await newApp('admin-blocked');
    const client = await connected(server.url, app, 'ann');
    const bystander = await connected(server.url, server.devApp, 'ann');

    const blockedAt = Date.now();
    expect((await admin(app.appKey, 'block')).status).toBe(200);
    expect((await endsWith(client, 31008)) - blockedAt).toBeLessThan(1000);
    expect(await server.services.bus.presence.sessionsOf(app.appKey, 'ann')).toEqual([]);
    // Another app's session, even of a user with the same id, is not touched.
    expect(bystander.payloadsOf('DISCONNECT')).toEqual([]);
    expect(await server.services.bus.presence.sessionsOf(server.devApp.appKey, 'ann')).toHaveLength(1);
  });

  it('delete (the state the CLI sets): the SDK ends with 31008', async () => {
    const app = await newApp('deleted');
    const client = await connected(server.url, app, 'bea');
    await server.services.apps.setState(app.appKey, 'deleted');
    await endsWith(client, 31008);
  });

  it('rotate-secret: a session of an old token ends with 31004; one opened after with a new token stays', async () => {
    const app = await newApp('rotated');
    const before = await connected(server.url, app, 'cal');
    expect((await admin(app.appKey, 'rotate-secret')).status).toBe(200);
    await endsWith(before, 31004);

    const rotated = await server.services.apps.require(app.appKey);
    const after = await connected(server.url, { appKey: app.appKey, appSecret: rotated.appSecret }, 'cal');
    // Long enough for the app watcher to read the apps again, which must not end it either.
    await staysQuiet(after, ['DISCONNECT', 'SUSPEND', 'CONNECTING'], 2500);
    expect(await server.services.bus.presence.sessionsOf(app.appKey, 'cal')).toHaveLength(1);
  });
});

describe('an app changed by the CLI while a server process runs on the same data dir', () => {
  let server: RestartableServer;
  const run = promisify(execFile);
  const cli = async (...args: string[]) => (await run(process.execPath, [PARLEY_BIN, 'app', ...args, '--data-dir', server.dataDir])).stdout;

  beforeAll(async () => {
    server = await startRestartableServer();
  });
  afterAll(() => server?.dispose());

  it('block: the SDK is dropped within about 2 s (31008)', async () => {
    const client = await connected(server.url, server.credentials, 'dee');
    await cli('block', server.credentials.appKey);
    const blockedAt = Date.now();
    expect((await endsWith(client, 31008)) - blockedAt).toBeLessThan(2000);
  });

  it('delete: the SDK is dropped within about 2 s (31008)', async () => {
    const app = JSON.parse(await cli('create', '--name', 'doomed', '--json')) as Credentials;
    const client = await connected(server.url, app, 'eve');
    await cli('delete', app.appKey);
    const deletedAt = Date.now();
    expect((await endsWith(client, 31008)) - deletedAt).toBeLessThan(2000);
  });
});
