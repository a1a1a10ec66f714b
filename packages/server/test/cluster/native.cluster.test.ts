import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NativeClient } from '../support/official-native/native-client.js';
import { callServerApi } from '../support/server-api-client.js';
import { TestCluster } from './cluster-support.js';

/**
 * RongCloud's unmodified native stack (the Electron SDK) against two Parley nodes: navigation hands
 * out every live node's TCP addresses, least loaded first, so two clients connected one after the
 * other land on different nodes; messages and kicks cross between them.
 */
let cluster: TestCluster;
const clients: NativeClient[] = [];
/** Nodes announce their load every 2 s; waiting longer lets navigation see a new connection. */
const ANNOUNCED_MS = 2500;
const KICKED = 31010;

beforeAll(async () => {
  cluster = await TestCluster.start(2);
}, 60_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await cluster?.stop();
});

const url = (index: number) => cluster.nodes[index]!.url;

async function tokenFor(userId: string): Promise<string> {
  const response = await callServerApi(url(0), 'user/getToken', { userId }, cluster.credentials);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

async function connections(node: number): Promise<number> {
  const metrics = await (await fetch(`${url(node)}/metrics`)).text();
  return Number(/^parley_gateway_connections (\d+)/m.exec(metrics)?.[1] ?? 'NaN');
}

async function nativeUser(userId: string, deviceId: string): Promise<NativeClient> {
  const client = await NativeClient.start({ appKey: cluster.credentials.appKey, navigators: [url(0), url(1)], deviceId, label: deviceId });
  clients.push(client);
  expect(await client.connect(await tokenFor(userId))).toEqual({ code: 0, userId });
  return client;
}

/**
 * Connects the second client once the first one's node has announced it, so that navigation puts it
 * on the other node; returns both with the node each landed on.
 */
async function onTwoNodes(first: () => Promise<NativeClient>, second: () => Promise<NativeClient>): Promise<[NativeClient, NativeClient, number]> {
  const a = await first();
  const firstNode = (await connections(0)) === 1 ? 0 : 1;
  expect(await connections(firstNode)).toBe(1);
  await new Promise((r) => setTimeout(r, ANNOUNCED_MS));
  const b = await second();
  await expect.poll(() => connections(1 - firstNode)).toBe(1);
  return [a, b, firstNode];
}

const PRIVATE = 1;

describe('cluster: the official native stack on two nodes', () => {
  it('exchanges messages both ways between clients on different nodes, once each', async () => {
    const [alice, bob, aliceNode] = await onTwoNodes(() => nativeUser('cn-alice', 'cn-alice-pc'), () => nativeUser('cn-bob', 'cn-bob-pc'));
    const toBob = await alice.sendText(PRIVATE, 'cn-bob', 'across the cluster');
    const toAlice = await bob.sendText(PRIVATE, 'cn-alice', 'and back');
    expect([toBob.code, toAlice.code]).toEqual([0, 0]);
    expect(await connections(aliceNode)).toBe(1);
    await expect.poll(() => bob.receivedMessages.filter((m) => m.messageUId === toBob.messageUId).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => alice.receivedMessages.filter((m) => m.messageUId === toAlice.messageUId).length, { timeout: 10_000 }).toBe(1);
    expect(bob.receivedMessages.find((m) => m.messageUId === toBob.messageUId)).toMatchObject({ senderUserId: 'cn-alice', targetId: 'cn-alice' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(bob.receivedMessages.filter((m) => m.messageUId === toBob.messageUId)).toHaveLength(1);
  }, 60_000);

  it('kicks a desktop on one node when the same user logs in on a desktop on the other', async () => {
    const [first, , firstNode] = await onTwoNodes(() => nativeUser('cn-carol', 'cn-carol-pc1'), () => nativeUser('cn-carol', 'cn-carol-pc2'));
    const kicked = await first.waitForEvent('onDisconnected', (payload) => payload[0] === KICKED, 10_000);
    expect(kicked.payload).toEqual([KICKED]);
    await expect.poll(() => connections(firstNode)).toBe(0);
    // Kicked for good: no reconnect follows.
    await new Promise((r) => setTimeout(r, 3000));
    expect(first.events.filter((e) => e.seq > kicked.seq && e.event === 'onConnected')).toEqual([]);
  }, 60_000);
});
