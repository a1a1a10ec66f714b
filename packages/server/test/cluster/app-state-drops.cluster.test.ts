import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DisconnectStatus } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OfficialClient } from '../support/official-sdk/official-client.js';
import { RawClient } from '../support/raw-client.js';
import { raw } from '../support/raw-http.js';
import { callServerApi, type Credentials } from '../support/server-api-client.js';
import { PARLEY_BIN } from '../support/test-server.js';
import { TestCluster } from './cluster-support.js';

/**
 * Two `parley serve` processes on PostgreSQL and Redis: an app blocked on one node, or by the CLI
 * writing to the database, ends its sessions on every node (DISCONNECT 6; the official SDK then
 * hears CONNACK 8 and reports 31008).
 */
const ADMIN_TOKEN = randomBytes(24).toString('hex');
let cluster: TestCluster;
const clients: OfficialClient[] = [];
const raws: RawClient[] = [];

beforeAll(async () => {
  // Each node would otherwise generate its own admin token in its own data dir.
  const saved = process.env.PARLEY_ADMIN_TOKEN;
  process.env.PARLEY_ADMIN_TOKEN = ADMIN_TOKEN;
  try {
    cluster = await TestCluster.start(2);
  } finally {
    if (saved === undefined) delete process.env.PARLEY_ADMIN_TOKEN;
    else process.env.PARLEY_ADMIN_TOKEN = saved;
  }
}, 60_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const client of raws.splice(0)) client.close();
});
afterAll(async () => {
  await cluster?.stop();
});

const url = (node: number) => cluster.nodes[node]!.url;

async function tokenFor(credentials: Credentials, userId: string): Promise<string> {
  const response = await callServerApi(url(0), 'user/getToken', { userId }, credentials);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

/** An official SDK client, connected wherever navigation sent it; returns the node it is on. */
async function officialOn(credentials: Credentials, userId: string): Promise<{ client: OfficialClient; node: number }> {
  const client = await OfficialClient.start({ appKey: credentials.appKey, navigators: [url(0)] });
  clients.push(client);
  expect(await client.connect(await tokenFor(credentials, userId))).toEqual({ code: 0, userId });
  const port = Number(new URL(client.webSockets.at(-1)!.url).port);
  const node = cluster.nodes.findIndex((n) => n.port === port);
  expect(node).not.toBe(-1);
  return { client, node };
}

/** A raw client pinned to one node. */
async function rawOn(node: number, credentials: Credentials, userId: string): Promise<RawClient> {
  const client = await RawClient.open(url(node));
  raws.push(client);
  expect(await client.connect(credentials.appKey, await tokenFor(credentials, userId))).toMatchObject({ type: 'CONNACK', status: 0 });
  return client;
}

async function redirectedAndClosed(client: RawClient): Promise<void> {
  expect(await client.nextFrame((f) => f.type === 'DISCONNECT', 3000)).toEqual({ type: 'DISCONNECT', status: DisconnectStatus.REDIRECT, header: expect.anything() });
  expect(await client.closed).toBe(1000);
}

/** The SDK's last word: a DISCONNECT after which it neither connects nor tries to. */
async function endsWith(client: OfficialClient, code: number): Promise<number> {
  const ended = await client.waitForEvent('DISCONNECT');
  expect(ended.payload).toBe(code);
  const mark = client.events.length;
  await new Promise((r) => setTimeout(r, 2000));
  expect(client.events.slice(mark).filter((e) => e.event === 'CONNECTING' || e.event === 'CONNECTED')).toEqual([]);
  return ended.at;
}

describe('cluster: app state changes end sessions on every node', () => {
  it("blocked through one node's admin API: the SDK on the other node ends with 31008", async () => {
    const { client, node } = await officialOn(cluster.credentials, 'ab-official');
    const other = 1 - node;
    const pinned = await rawOn(node, cluster.credentials, 'ab-raw');

    const blockedAt = Date.now();
    const answer = await raw(url(other), 'POST', `/admin/api/apps/${cluster.credentials.appKey}/block`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(answer.status).toBe(200);
    await redirectedAndClosed(pinned);
    expect((await endsWith(client, 31008)) - blockedAt).toBeLessThan(1500);
  });

  it('blocked by the CLI against the database: both nodes drop their clients', async () => {
    const run = promisify(execFile);
    const cli = async (...args: string[]) =>
      (await run(process.execPath, [PARLEY_BIN, 'app', ...args, '--database-url', cluster.databaseUrl])).stdout;
    const app = JSON.parse(await cli('create', '--name', 'cli-blocked', '--json')) as Credentials;
    const { client } = await officialOn(app, 'cb-official');
    const pinned = [await rawOn(0, app, 'cb-raw-0'), await rawOn(1, app, 'cb-raw-1')];

    await cli('block', app.appKey);
    const blockedAt = Date.now();
    await Promise.all(pinned.map(redirectedAndClosed));
    expect((await endsWith(client, 31008)) - blockedAt).toBeLessThan(2000);
  });
});
