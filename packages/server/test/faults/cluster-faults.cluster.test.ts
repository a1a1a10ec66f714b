import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from '../cluster/cluster-support.js';
import { DeliveryChecker } from '../support/delivery-checker.js';
import { restartRedis } from '../support/redis-restart.js';
import { expectClean, SdkFleet, sleep, tokenFor, type SdkUser } from './workload.js';

/**
 * Faults of a three-node cluster (PostgreSQL + Redis) during traffic between @parley/client users
 * spread over the nodes: a node SIGKILLed, PostgreSQL restarted, Redis restarted (empty).
 */
const run = promisify(execFile);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function restartPostgres(): Promise<void> {
  const version = readdirSync('/etc/postgresql')[0]!;
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart']);
}

async function setup(prefix: string, users: number): Promise<{ cluster: TestCluster; fleet: SdkFleet; checker: DeliveryChecker; all: SdkUser[] }> {
  const cluster = await TestCluster.start(3);
  cleanups.push(() => cluster.stop());
  const checker = new DeliveryChecker();
  const navigators = cluster.nodes.map((n) => n.url);
  const fleet = new SdkFleet(checker, cluster.credentials.appKey, navigators);
  cleanups.push(() => fleet.close());
  const names = Array.from({ length: users }, (_, i) => `${prefix}-u${i}`);
  checker.setGroup(`${prefix}-g`, names);
  const all: SdkUser[] = [];
  for (const [i, name] of names.entries()) {
    // Each user's token names a different node, so the users are spread over the cluster.
    const node = cluster.nodes[i % 3]!;
    all.push(await fleet.add(name, await tokenFor(node.url, cluster.credentials, name)));
  }
  const created = await fetchGroupCreate(cluster, `${prefix}-g`, names);
  expect(created).toBe(200);
  return { cluster, fleet, checker, all };
}

async function fetchGroupCreate(cluster: TestCluster, groupId: string, members: string[]): Promise<number> {
  const { callServerApi } = await import('../support/server-api-client.js');
  const response = await callServerApi(cluster.nodes[0]!.url, 'group/create', { userId: members, groupId, groupName: groupId }, cluster.credentials);
  return Number(response.body.code);
}

/** Private messages to every other user plus the group, until `until` says stop. */
function plan(users: SdkUser[], group: string, until: () => boolean) {
  return users.map((sender) => ({
    sender,
    targets: [...users.filter((u) => u !== sender).map((u) => ({ type: 1 as const, id: u.userId })), { type: 3 as const, id: group }],
    count: 5000,
    pauseMs: 5,
    until,
  }));
}

describe('cluster faults during traffic', () => {
  it('one node of three SIGKILLed and restarted: no acked message lost or duplicated', async () => {
    const { cluster, fleet, checker, all } = await setup('ck', 6);
    let over = false;
    const traffic = fleet.traffic(plan(all, 'ck-g', () => over));
    await sleep(1000);
    const before = checker.ackedCount;
    await cluster.kill(1);
    await sleep(2000);
    await cluster.startNode(1);
    await sleep(1500);
    over = true;
    await traffic;
    const report = await fleet.settle(40_000);
    expect(report.acked).toBeGreaterThan(before);
    expectClean('cluster-sigkill-node', report, 1, 50);
  }, 120_000);

  it('PostgreSQL restarted during traffic: refused sends are not acked, acked ones are neither lost nor duplicated', async () => {
    const { fleet, checker, all } = await setup('cp', 4);
    let over = false;
    const traffic = fleet.traffic(plan(all, 'cp-g', () => over));
    await sleep(1000);
    const before = checker.ackedCount;
    await restartPostgres();
    await sleep(2500);
    over = true;
    await traffic;
    const report = await fleet.settle(40_000);
    const refused = all.flatMap((u) => u.refused);
    console.log(`[faults] cluster-postgres: refused sends ${refused.length} (codes ${[...new Set(refused)].join(',') || '-'})`);
    expect(report.acked, 'traffic went on after the restart').toBeGreaterThan(before + 10);
    expectClean('cluster-postgres-restart', report, 1, 50);
  }, 120_000);

  it('Redis restarted (empty) during traffic: no acked message lost or duplicated', async () => {
    const { fleet, checker, all } = await setup('cr', 4);
    let over = false;
    const traffic = fleet.traffic(plan(all, 'cr-g', () => over));
    await sleep(1000);
    const before = checker.ackedCount;
    await restartRedis();
    await sleep(2500);
    over = true;
    await traffic;
    const report = await fleet.settle(40_000);
    expect(report.acked, 'traffic went on after the restart').toBeGreaterThan(before + 10);
    expectClean('cluster-redis-restart', report, 1, 50);
  }, 120_000);
});
