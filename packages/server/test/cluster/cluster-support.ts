import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { withDefaultUser } from '../../src/store/postgres/postgres-store.js';
import { freePort } from '../support/free-port.js';
import { RawClient } from '../support/raw-client.js';
import { callServerApi, type Credentials } from '../support/server-api-client.js';
import { makeTempDir } from '../support/temp-dir.js';
import { spawnServer, type ServerProcess } from '../support/test-server.js';

const BASE_DATABASE_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';
const REDIS_HOST = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ClusterNode {
  index: number;
  port: number;
  /** The node's port for the native stack, kept across its restarts like `port`. */
  nativePort: number;
  url: string;
  process: ServerProcess | undefined;
}

/**
 * Parley nodes as separate processes sharing one PostgreSQL schema and one Redis database, both
 * fresh for this cluster (a random schema, a random Redis database number), so test runs never see
 * each other's state.
 */
export class TestCluster {
  readonly nodes: ClusterNode[] = [];
  credentials!: Credentials;
  /** How many nodes created a development app at start (each writes its `dev-app.json`). */
  devAppsCreated = 0;
  private readonly dirs: { path: string; remove(): void }[] = [];
  private readonly raws: RawClient[] = [];

  private constructor(
    readonly databaseUrl: string,
    readonly redisUrl: string,
    private readonly schema: string,
  ) {}

  static async start(size: number): Promise<TestCluster> {
    const schema = `c_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE SCHEMA ${schema}`);
    const databaseUrl = `${BASE_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const cluster = new TestCluster(databaseUrl, `${REDIS_HOST}/${randomInt(1, 16)}`, schema);
    // Both ports picked here, free now: the default native port (port + 1) may be taken.
    const taken = new Set<number>();
    const pick = async () => {
      let port = await freePort();
      while (taken.has(port)) port = await freePort();
      taken.add(port);
      return port;
    };
    for (let i = 0; i < size; i++) {
      const port = await pick();
      cluster.nodes.push({ index: i, port, nativePort: await pick(), url: `http://127.0.0.1:${port}`, process: undefined });
    }
    // All at once on the empty database, as an operator's process manager would start them: one
    // of them creates the development app, the others find it.
    await Promise.all(cluster.nodes.map((node) => cluster.startNode(node.index)));
    const created = cluster.dirs.map((dir) => join(dir.path, 'dev-app.json')).filter((file) => existsSync(file));
    cluster.devAppsCreated = created.length;
    if (created.length === 0) throw new Error('no node created the development app');
    cluster.credentials = JSON.parse(readFileSync(created[0]!, 'utf8')) as Credentials;
    return cluster;
  }

  async startNode(index: number): Promise<ClusterNode> {
    const node = this.nodes[index]!;
    const dir = this.dirs[index] ?? makeTempDir('parley-node-');
    this.dirs[index] = dir;
    node.process = await spawnServer(
      ['--port', String(node.port), '--native-port', String(node.nativePort), '--data-dir', dir.path, '--public-url', node.url, '--database-url', this.databaseUrl, '--redis-url', this.redisUrl, '--user-send-rate', '100000'],
    );
    return node;
  }

  async kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.nodes[index]!;
    node.process?.child.kill(signal);
    await node.process?.exited;
    node.process = undefined;
  }

  /** Rows of a query in this cluster's schema. */
  /** A raw desktop device of `userId` connected to node `node`, closed by closeRawDevices (or stop). */
  async rawDevice(node: number, userId: string): Promise<RawClient> {
    const token = String((await callServerApi(this.nodes[0]!.url, 'user/getToken', { userId }, this.credentials)).body.token);
    const client = await RawClient.open(this.nodes[node]!.url);
    this.raws.push(client);
    const connack = await client.connect(this.credentials.appKey, token, { platform: 'desktop' });
    if (connack.type !== 'CONNACK' || connack.status !== 0) throw new Error(`${userId} on node ${node}: connect answered ${JSON.stringify(connack)}`);
    return client;
  }

  closeRawDevices(): void {
    for (const client of this.raws.splice(0)) client.close();
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ connectionString: withDefaultUser(this.databaseUrl) });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    this.closeRawDevices();
    for (const node of this.nodes) if (node.process) await this.kill(node.index, 'SIGTERM');
    for (const dir of this.dirs) dir.remove();
    await adminQuery(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDefaultUser(BASE_DATABASE_URL) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
