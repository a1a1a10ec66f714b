import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMClient, type Message } from '@parley/client';
import { RawClient } from '../support/raw-client.js';
import { callServerApi, type Credentials } from '../support/server-api-client.js';
import { makeTempDir } from '../support/temp-dir.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { sleep } from './workload.js';

/**
 * Two apps on one server whose users, groups and ids have the same names: nothing crosses between
 * them through the gateway or the Server API. Then every log line of the whole run (debug level)
 * is searched for an App Secret or a whole token.
 */
let server: TestServer;
let appA: Credentials;
let appB: Credentials;
const tokens: string[] = [];
const dir = makeTempDir('parley-sec-');
const clients: IMClient[] = [];

async function token(app: Credentials, userId: string): Promise<string> {
  const response = await callServerApi(server.url, 'user/getToken', { userId }, app);
  expect(response.body.code).toBe(200);
  const t = String(response.body.token);
  tokens.push(t);
  return t;
}

async function connected(app: Credentials, userId: string): Promise<{ client: IMClient; received: Message[] }> {
  const client = new IMClient();
  client.init(app.appKey, { dataDir: `${dir.path}/${app.appKey}-${userId}`, deviceId: `${app.appKey}-${userId}` });
  const received: Message[] = [];
  client.addMessageListener((m) => received.push(...m));
  await client.connectAsync(await token(app, userId));
  clients.push(client);
  return { client, received };
}

const text = (t: string) => ({ objectName: 'RC:TxtMsg', content: { content: t } });
const texts = (ms: Message[]) => ms.map((m) => (m.content as { content: string }).content);

beforeAll(async () => {
  server = await startTestServer();
  appA = server.devApp;
  const b = await server.services.apps.create({ name: 'tenant-b' });
  appB = { appKey: b.appKey, appSecret: b.appSecret };
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
  dir.remove();
});

describe('security: cross-app isolation through the gateway', () => {
  it("one app's users never reach another app's users, groups or history, even with the same ids", async () => {
    const aliceA = await connected(appA, 'alice');
    const bobA = await connected(appA, 'bob');
    const aliceB = await connected(appB, 'alice');
    const bobB = await connected(appB, 'bob');
    expect((await callServerApi(server.url, 'group/create', { userId: ['alice', 'bob'], groupId: 'team', groupName: 'A team' }, appA)).body.code).toBe(200);

    // A private message and a group message inside app A.
    await aliceA.client.sendMessage(1, 'bob', text('a-private'));
    await aliceA.client.sendMessage(3, 'team', text('a-group'));
    await expect.poll(() => texts(bobA.received).sort()).toEqual(['a-group', 'a-private']);

    // App B's alice and bob share the names, not the data.
    await aliceB.client.sendMessage(1, 'bob', text('b-private'));
    await expect.poll(() => texts(bobB.received)).toEqual(['b-private']);
    // App A's group does not exist in app B: its users cannot post to it.
    await expect(aliceB.client.sendMessage(3, 'team', text('b-into-a-group'))).rejects.toMatchObject({ code: expect.any(Number) });
    // Nor can app B's Server API.
    const apiIntoA = await callServerApi(server.url, 'message/group/publish', { fromUserId: 'alice', toGroupId: 'team', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'b-api-into-a' }) }, appB);
    expect(apiIntoA.body.code).not.toBe(200);

    // History through the gateway: each app sees only its own.
    expect(texts(await bobB.client.getHistoryMessages(1, 'alice'))).toEqual(['b-private']);
    // (The SDK keeps its own refused send locally, marked failed; nothing of app A's group shows.)
    const bTeam = await aliceB.client.getHistoryMessages(3, 'team');
    expect(texts(bTeam)).not.toContain('a-group');
    expect(texts(bTeam.filter((m) => m.status !== 'failed'))).toEqual([]);
    expect(texts(await bobA.client.getHistoryMessages(1, 'alice'))).toEqual(['a-private']);
    expect(texts(await bobA.client.getHistoryMessages(3, 'team'))).toEqual(['a-group']);

    await sleep(300);
    expect(texts(bobA.received).sort()).toEqual(['a-group', 'a-private']);
    expect(texts(bobB.received)).toEqual(['b-private']);
    expect(texts(aliceA.received)).toEqual([]);
    expect(texts(aliceB.received)).toEqual([]);
  });

  it("a token of one app is refused under the other's App Key, and a truncated or forged token is refused", async () => {
    const tokenA = await token(appA, 'carol');
    for (const [appKey, t] of [
      [appB.appKey, tokenA],
      [appA.appKey, tokenA.slice(0, Math.floor(tokenA.indexOf('@') / 2))],
      [appA.appKey, tokenA.slice(0, tokenA.indexOf('@') - 1) + '@'],
      [appA.appKey, tokenA.replace(/^(.{8})(.)/, (_m, h: string, c: string) => h + (c === 'A' ? 'B' : 'A'))],
      [appA.appKey, ''],
    ] as const) {
      const raw = await RawClient.open(server.url);
      const ack = await raw.connect(appKey, t);
      expect(ack, `connect with ${t.slice(0, 12)}… under ${appKey}`).toMatchObject({ type: 'CONNACK' });
      expect((ack as { status: number }).status).not.toBe(0);
      raw.close();
    }
  });
});

describe('security: secrets stay out of the logs', () => {
  it('no log line holds an App Secret, a whole token or its opaque part (after every test above)', async () => {
    // Provoke the logging paths that see credentials: bad signatures, bad tokens, failed connects.
    await callServerApi(server.url, 'user/getToken', { userId: 'x' }, { appKey: appA.appKey, appSecret: 'wrong' });
    await callServerApi(server.url, 'user/getToken', { userId: 'x' }, { appKey: appB.appKey, appSecret: appA.appSecret });
    const t = await token(appB, 'logcheck');
    const raw = await RawClient.open(server.url);
    await raw.connect(appA.appKey, t);
    raw.close();
    await fetch(`${server.url}/v2/navi.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ appId: appB.appKey, token: t }) });
    await sleep(200);

    const logs = server.logText();
    expect(server.logs.length, 'the run produced debug logs to search').toBeGreaterThan(5);
    expect(tokens.length).toBeGreaterThan(5);
    const leaks: string[] = [];
    for (const secret of [appA.appSecret, appB.appSecret]) if (logs.includes(secret)) leaks.push(`app secret ${secret.slice(0, 4)}…`);
    for (const whole of tokens) {
      const opaque = whole.slice(0, whole.indexOf('@'));
      if (logs.includes(whole) || logs.includes(opaque)) leaks.push(`token ${opaque.slice(0, 8)}…`);
    }
    expect(leaks).toEqual([]);
  });
});
