import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMClient, type Message } from '@parley/client';
import { RawClient } from '../support/raw-client.js';
import { restartRedis, startRedis, stopRedis } from '../support/redis-restart.js';
import { sendNumbered, type Ack } from '../support/sending-client.js';
import { callServerApi } from '../support/server-api-client.js';
import { SyncingClient } from '../support/syncing-client.js';
import { makeTempDir } from '../support/temp-dir.js';
import { TestCluster } from './cluster-support.js';

/** Three `parley serve` processes on PostgreSQL and Redis: the single-node guarantees, across nodes. */
let cluster: TestCluster;
const closers: (() => void)[] = [];
const clientDir = makeTempDir('parley-cluster-client-');

beforeAll(async () => {
  cluster = await TestCluster.start(3);
}, 60_000);
afterAll(async () => {
  for (const close of closers) close();
  await cluster?.stop();
  clientDir.remove();
});

const url = (index: number) => cluster.nodes[index]!.url;
const api = (path: string, params: Parameters<typeof callServerApi>[2], node = 0) => callServerApi(url(node), path, params, cluster.credentials);

async function tokenFor(userId: string): Promise<string> {
  const response = await api('user/getToken', { userId });
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

async function syncingOn(node: number, userId: string, deviceId = `${userId}-desk`): Promise<SyncingClient> {
  const client = new SyncingClient(() => url(node), cluster.credentials.appKey, await tokenFor(userId), deviceId);
  await client.connect();
  closers.push(() => client.disconnect());
  return client;
}

async function rawOn(node: number, userId: string, platform: 'desktop' | 'mobile' = 'desktop'): Promise<RawClient> {
  const raw = await RawClient.open(url(node));
  closers.push(() => raw.close());
  const ack = await raw.connect(cluster.credentials.appKey, await tokenFor(userId), { platform, deviceId: `${userId}-${platform}-${node}` });
  expect(ack).toMatchObject({ type: 'CONNACK', status: 0 });
  return raw;
}

const fromSender = (client: SyncingClient, sender: string) =>
  client.received.filter((m) => m.direction === 2 && m.fromUserId === sender).map((m) => m.msgId ?? '');

async function gatewayConnections(node: number): Promise<number> {
  const metrics = await (await fetch(`${url(node)}/metrics`)).text();
  return Number(/^parley_gateway_connections (\d+)/m.exec(metrics)?.[1] ?? 'NaN');
}

describe('cluster: messaging across nodes', () => {
  it('delivers private and group messages between users on different nodes, once each, in order', async () => {
    const bob = await syncingOn(1, 'x-bob');
    const carol = await syncingOn(2, 'x-carol');
    const alice = await rawOn(0, 'x-alice');
    const direct = await sendNumbered(alice, 'ppMsgP', 'x-bob', 30);
    expect((await api('group/create', { userId: ['x-alice', 'x-bob', 'x-carol'], groupId: 'xg', groupName: 'cross' }, 2)).body.code).toBe(200);
    const group = await sendNumbered(alice, 'pgMsgP', 'xg', 10);
    const expectedAtBob = [...direct, ...group].map((a) => a.uid);
    await expect.poll(() => fromSender(bob, 'x-alice').length, { timeout: 10_000 }).toBe(40);
    expect(fromSender(bob, 'x-alice')).toEqual(expectedAtBob);
    await expect.poll(() => fromSender(carol, 'x-alice').length, { timeout: 10_000 }).toBe(10);
    expect(fromSender(carol, 'x-alice')).toEqual(group.map((a) => a.uid));
  });
});

describe('cluster: start', () => {
  it('nodes starting together on an empty database create one development app between them', async () => {
    expect(cluster.devAppsCreated).toBe(1);
    expect(await cluster.query('SELECT app_key FROM apps')).toEqual([{ app_key: cluster.credentials.appKey }]);
  });
});

describe('cluster: sessions across nodes', () => {
  it('kicks a same-class session on another node with 31010, and checkOnline sees every node', async () => {
    const first = await rawOn(0, 'x-dave');
    await expect.poll(async () => (await api('user/checkOnline', { userId: 'x-dave' }, 2)).body.status, { timeout: 1000, interval: 50 }).toBe('1');
    await rawOn(1, 'x-dave');
    expect(await first.nextFrame((f) => f.type === 'DISCONNECT', 5000)).toMatchObject({ status: 1 });
    expect(await api('user/checkOnline', { userId: 'x-dave' }, 2)).toMatchObject({ body: { status: '1' } });
  });

  it('drops a blocked user on every node with 31011', async () => {
    const desktop = await rawOn(0, 'x-erin', 'desktop');
    const mobile = await rawOn(1, 'x-erin', 'mobile');
    expect((await api('user/block', { userId: 'x-erin', minute: 1 }, 2)).body.code).toBe(200);
    for (const device of [desktop, mobile]) expect(await device.nextFrame((f) => f.type === 'DISCONNECT', 5000)).toMatchObject({ status: 2 });
    await expect.poll(async () => (await api('user/checkOnline', { userId: 'x-erin' }, 0)).body.status, { timeout: 2000 }).toBe('0');
  });

  it('navigation hands out every live gateway, least loaded first', async () => {
    const response = await fetch(`${url(0)}/v2/navi.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'RC-Appkey': cluster.credentials.appKey },
      body: new URLSearchParams({ token: await tokenFor('x-nav') }).toString(),
    });
    const body = (await response.json()) as { serverAddr: { addr: string }[] };
    expect(new Set(body.serverAddr.map((s) => s.addr))).toEqual(new Set(cluster.nodes.map((n) => new URL(n.url).host)));
    const loads = await Promise.all(body.serverAddr.map((s) => gatewayConnections(cluster.nodes.findIndex((n) => new URL(n.url).host === s.addr))));
    expect(loads[0]).toBeLessThanOrEqual(Math.max(...loads));
  });
});

describe('cluster: failures', () => {
  it('a node killed with SIGKILL: its clients move to the survivors and lose nothing', async () => {
    const client = new IMClient();
    client.init(cluster.credentials.appKey, { dataDir: clientDir.path, navigators: cluster.nodes.map((n) => n.url) });
    closers.push(() => client.disconnect());
    const received: Message[] = [];
    client.addMessageListener((m) => received.push(...m));
    const before = await Promise.all([0, 1, 2].map(gatewayConnections));
    const frankToken = await tokenFor('x-frank');
    await client.connectAsync(frankToken);
    const after = await Promise.all([0, 1, 2].map(gatewayConnections));
    const victim = after.findIndex((n, i) => n > before[i]!);
    expect(victim).toBeGreaterThanOrEqual(0);
    const survivor = [0, 1, 2].find((i) => i !== victim)!;

    const sender = await rawOn(survivor, 'x-gus');
    const acks: Ack[] = [];
    acks.push(...(await sendNumbered(sender, 'ppMsgP', 'x-frank', 20)));
    await cluster.kill(victim);
    try {
      acks.push(...(await sendNumbered(sender, 'ppMsgP', 'x-frank', 20)));
      await movesToSurvivors();
    } finally {
      await cluster.startNode(victim);
    }

    async function movesToSurvivors(): Promise<void> {

    await expect.poll(() => received.length, { timeout: 20_000 }).toBe(40);
    expect(received.map((m) => m.messageUId)).toEqual(acks.map((a) => a.uid));
    // The dead node leaves navigation within seconds.
    await expect
      .poll(
        async () => {
          const response = await fetch(`${url(survivor)}/v2/navi.json`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: frankToken }).toString(),
          });
          return ((await response.json()) as { serverAddr: { addr: string }[] }).serverAddr.length;
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(2);
    }
  });

  it('Redis restarted: nodes recover without a restart of their own and no acked message is lost', async () => {
    const henry = await syncingOn(1, 'x-henry');
    const ivan = await rawOn(0, 'x-ivan');
    const acks: Ack[] = [...(await sendNumbered(ivan, 'ppMsgP', 'x-henry', 5))];
    await restartRedis();
    // A notice lost while Redis was away delays delivery only until the next one: keep sending
    // until Henry holds every acked message.
    await expect
      .poll(async () => {
        if (acks.length > 5 && fromSender(henry, 'x-ivan').length === acks.length) return true;
        acks.push(...(await sendNumbered(ivan, 'ppMsgP', 'x-henry', 1).catch(() => [])));
        return false;
      }, { timeout: 20_000, interval: 300 })
      .toBe(true);
    expect(fromSender(henry, 'x-ivan')).toEqual(acks.map((a) => a.uid));
    // Presence heals: the node rewrites its sessions, so checkOnline from another node sees Henry again.
    await expect.poll(async () => (await api('user/checkOnline', { userId: 'x-henry' }, 2)).body.status, { timeout: 15_000, interval: 500 }).toBe('1');
  });

  it('Redis down while a user is blocked: once it is back, every node drops that user', async () => {
    const devices = [await rawOn(1, 'x-judy', 'desktop'), await rawOn(2, 'x-judy', 'mobile')];
    await stopRedis();
    try {
      // The block is stored; the event that would tell the other nodes is lost with Redis.
      await api('user/block', { userId: 'x-judy', minute: 1 }, 0);
    } finally {
      await startRedis();
    }
    for (const device of devices) expect(await device.nextFrame((f) => f.type === 'DISCONNECT', 15_000)).toMatchObject({ status: 2 });
  });
});
