import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OfficialClient } from './support/official-sdk/official-client.js';
import { RawClient } from './support/raw-client.js';
import { callServerApi, type Credentials } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The unmodified official Web SDK (@rongcloud/imlib-next 5.38) against a real Parley server on
 * loopback, one child process per simulated user.
 */
let server: TestServer;
let dev: Credentials;
const clients: OfficialClient[] = [];
const raws: RawClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  dev = server.devApp;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const raw of raws.splice(0)) raw.close();
});
afterAll(() => server.stop());

async function tokenFor(userId: string, creds: Credentials = dev): Promise<string> {
  const response = await callServerApi(server.url, 'user/getToken', { userId }, creds);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

async function official(options: { navigators?: boolean; appKey?: string } = {}): Promise<OfficialClient> {
  const client = await OfficialClient.start({
    appKey: options.appKey ?? dev.appKey,
    navigators: options.navigators === false ? undefined : [server.url],
  });
  clients.push(client);
  return client;
}

async function raw(): Promise<RawClient> {
  const client = await RawClient.open(server.url);
  raws.push(client);
  return client;
}

const online = async (userId: string) => (await callServerApi(server.url, 'user/checkOnline', { userId }, dev)).body.status;

/** No event of these kinds arrives in the next `ms`. */
async function staysQuiet(client: OfficialClient, names: string[], ms: number): Promise<void> {
  const mark = client.events.length;
  await new Promise((r) => setTimeout(r, ms));
  expect(client.events.slice(mark).filter((e) => names.includes(e.event)).map((e) => e.event)).toEqual([]);
}

function sdkComplaints(client: OfficialClient): string[] {
  return client.events
    .filter((e) => e.event === 'harness:error' || (e.event === 'harness:console' && (e.payload as { level: string }).level === 'error'))
    .map((e) => JSON.stringify(e.payload));
}

describe('official Web SDK: connecting', () => {
  it('connects through navigators, shows online within 1 s, and reaches CONNECTED without errors', async () => {
    const alice = await official();
    expect(await alice.connect(await tokenFor('alice'))).toEqual({ code: 0, userId: 'alice' });
    await alice.waitForEvent('CONNECTED');
    await expect.poll(() => online('alice'), { timeout: 1000, interval: 50 }).toBe('1');
    await alice.waitForEvent('PULL_OFFLINE_MESSAGE_FINISHED');
    expect(sdkComplaints(alice)).toEqual([]);

    await alice.disconnect();
    await expect.poll(() => online('alice'), { timeout: 1000, interval: 50 }).toBe('0');
  });

  it("connects with no navigators, finding Parley through the token's @http://host:port suffix", async () => {
    const bob = await official({ navigators: false });
    expect(await bob.connect(await tokenFor('bob'))).toEqual({ code: 0, userId: 'bob' });
    expect(bob.httpRequests.some((r) => r.url.startsWith(`${server.url}/v2/navi.json`))).toBe(true);
  });

  it('refuses a forged token with 31004', async () => {
    const token = await tokenFor('carol');
    const forged = token.replace(/^(.{12})(.)/, (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
    expect((await (await official()).connect(forged)).code).toBe(31004);
  });

  it("refuses another app's token with 31004, at CONNACK", async () => {
    const other = await server.services.apps.create({ name: 'other' });
    const token = await tokenFor('dan', { appKey: other.appKey, appSecret: other.appSecret });
    expect((await (await official()).connect(token)).code).toBe(31004);
  });

  it('refuses an unknown App Key with 31002', async () => {
    const client = await official({ appKey: 'nosuchappkey00' });
    expect((await client.connect(await tokenFor('erin'))).code).toBe(31002);
  });

  it('refuses a blocked user with 31009 and a deactivated one with 31029', async () => {
    await callServerApi(server.url, 'user/block', { userId: 'frank', minute: 5 }, dev);
    expect((await (await official()).connect(await tokenFor('frank'))).code).toBe(31009);
    await callServerApi(server.url, 'user/deactivate', { userId: 'gina' }, dev);
    expect((await (await official()).connect(await tokenFor('gina'))).code).toBe(31029);
  });

  it('refuses every user of a blocked app with 31008', async () => {
    const app = await server.services.apps.create({ name: 'soon-blocked' });
    const token = await tokenFor('hal', { appKey: app.appKey, appSecret: app.appSecret });
    await server.services.apps.setState(app.appKey, 'blocked');
    expect((await (await official({ appKey: app.appKey })).connect(token)).code).toBe(31008);
  });

  it('refuses with 31020 once the token is expired through the API', async () => {
    const token = await tokenFor('ivy');
    const first = await official();
    expect((await first.connect(token)).code).toBe(0);
    await first.disconnect();
    await callServerApi(server.url, 'user/token/expire', { userId: 'ivy', time: Date.now() + 1 }, dev);
    expect((await (await official()).connect(token)).code).toBe(31020);
    expect((await (await official()).connect(await tokenFor('ivy'))).code).toBe(0);
  });
});

describe('official Web SDK: sessions ended by the server', () => {
  it('drops an online user who is blocked with 31011, and the SDK does not reconnect', async () => {
    const jack = await official();
    expect((await jack.connect(await tokenFor('jack'))).code).toBe(0);
    await callServerApi(server.url, 'user/block', { userId: 'jack', minute: 1 }, dev);
    expect((await jack.waitForEvent('DISCONNECT')).payload).toBe(31011);
    await staysQuiet(jack, ['CONNECTING', 'CONNECTED'], 2000);
    expect(await online('jack')).toBe('0');
  });

  it('kicks the older session of the same class with 31010; it stays off', async () => {
    const token = await tokenFor('kate');
    const first = await official();
    expect((await first.connect(token)).code).toBe(0);
    const second = await official();
    expect((await second.connect(token)).code).toBe(0);
    expect((await first.waitForEvent('DISCONNECT')).payload).toBe(31010);
    await staysQuiet(first, ['CONNECTING', 'CONNECTED'], 2000);
    expect(second.events.some((e) => e.event === 'DISCONNECT')).toBe(false);
    expect(await online('kate')).toBe('1');
  });

  it('lets devices of different classes coexist', async () => {
    const token = await tokenFor('leo');
    const web = await official();
    expect((await web.connect(token)).code).toBe(0);
    const desktop = await raw();
    expect(await desktop.connect(dev.appKey, token, { platform: 'desktop' })).toMatchObject({ type: 'CONNACK', status: 0 });
    const mobile = await raw();
    expect(await mobile.connect(dev.appKey, token, { platform: 'mobile' })).toMatchObject({ type: 'CONNACK', status: 0 });
    await staysQuiet(web, ['DISCONNECT'], 500);
    expect(desktop.frames.some((f) => f.type === 'DISCONNECT')).toBe(false);
  });
});
