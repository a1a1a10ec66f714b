// Parley in cluster mode: N `parley serve` processes on loopback ports sharing one PostgreSQL schema
// and one Redis database, both fresh for each start and removed at stop (the arrangement of
// packages/server/test/cluster/cluster-support.ts), so no run sees another's state. Each node
// announces its own address (--public-url). Clients do not navigate: a scenario hands each client
// one node's gateway (endpoint(i), round robin), so the spread over the nodes is even and known, as
// behind a load balancer.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { fdsOf, freePort, rssOf } from '../lib/proc.mjs';
import { registerUsers } from '../lib/server-api.mjs';
import { serveParley, unlimitedDevApp } from './parley.mjs';

// The machine's services (trust auth). The user is named because this environment may have no $USER.
const DATABASE = `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/test`;
const REDIS = 'redis://127.0.0.1:6379';
/**
 * Redis databases the bench may use, highest first: it takes the first one that is empty, or that
 * holds its own claim (left by a run that died), so it never flushes a database someone else is using
 * (the cluster tests take one of 1–15 at random).
 */
const REDIS_DBS = Array.from({ length: 15 }, (_, i) => 15 - i);
const CLAIM_KEY = 'parley-bench:claim';
/** PostgreSQL's own writers do the WAL and checkpoint work of every commit: counted as the cluster's. */
const PG_WRITERS = ['walwriter', 'checkpointer', 'background writer'];

/** @param {{tmpDir: string}} ctx */
export function parleyClusterTarget(ctx) {
  /** @type {{port: number, proc: Awaited<ReturnType<typeof serveParley>>}[]} */
  let nodes = [];
  /** Ports kept across starts, like the single node's. @type {number[]} */
  const ports = [];
  let starts = 0;
  let dataDir = '';
  let schema = '';
  let databaseUrl = '';
  /** @type {pg.Client | undefined} */
  let admin;
  /** @type {Redis | undefined} */
  let redis;
  let redisDb = 0;
  let redisPid = NaN;
  /** @type {number[]} */
  let pgPids = [];
  /** @type {NodeJS.Timeout | undefined} */
  let pgPidTimer;
  /** @type {{appKey: string, appSecret: string} | undefined} */
  let app;
  /** @type {Map<string, string>} */
  const tokens = new Map();
  /** --cpu-prof for every node of the next start (`--profile cluster-scale`). @type {string | undefined} */
  let profileDir;
  /** @type {string[]} */
  let nodeFlags = [];

  /** Claims a Redis database (see REDIS_DBS) and empties it; stop() empties it again. */
  async function claimRedisDb() {
    const r = new Redis(REDIS, { maxRetriesPerRequest: 2, connectTimeout: 5000, commandTimeout: 30_000 });
    try {
      redisPid = Number(/process_id:(\d+)/.exec(await r.info('server'))?.[1]);
      for (const db of REDIS_DBS) {
        await r.select(db);
        if ((await r.dbsize()) > 0 && !(await r.exists(CLAIM_KEY))) continue;
        await r.flushdb();
        await r.set(CLAIM_KEY, schema);
        // Only now may stop() flush: this connection is on a database of ours.
        redis = r;
        return db;
      }
      throw new Error(`no free Redis database among ${REDIS_DBS.join(', ')}`);
    } catch (e) {
      r.disconnect();
      throw e;
    }
  }

  // The nodes' pools open and close PostgreSQL backends (processes of their own), so their pids are
  // looked up again every second; application_name (the schema's name) tells ours apart.
  async function refreshPgPids() {
    const r = await /** @type {pg.Client} */ (admin).query('SELECT pid FROM pg_stat_activity WHERE application_name = $1 OR backend_type = ANY($2)', [schema, PG_WRITERS]);
    pgPids = r.rows.map((row) => row.pid);
  }

  /** @param {number} i */
  async function startNode(i) {
    const dir = join(dataDir, `node-${i}`);
    mkdirSync(dir, { recursive: true });
    const port = ports[i];
    const args = ['--data-dir', dir, '--public-url', `http://127.0.0.1:${port}`, '--database-url', databaseUrl, '--redis-url', `${REDIS}/${redisDb}`];
    nodes[i] = { port, proc: await serveParley({ port, args, logFile: join(ctx.tmpDir, `parley-cluster-node-${i}.log`), nodeFlags }) };
  }

  const target = {
    name: 'parley-cluster',
    label: 'Parley cluster',
    protocol: 'parley',
    kind: 'parley',
    note: 'PostgreSQL + Redis, several nodes',
    /** One process holds at most 20,000 open files here; a node keeps some for itself. */
    maxConnectionsPerNode: 19_500,
    canRestart: false,
    /** Turns on --cpu-prof for every node of the next start. */
    profileNextStart(/** @type {string} */ dir) {
      profileDir = dir;
    },
    /** Starts `o.nodes` nodes (default 1) over a fresh schema and an emptied Redis database. */
    async start(/** @type {{nodes?: number}} */ o = {}) {
      const count = o.nodes ?? 1;
      // freePort() may, rarely, hand out the same port twice in a row.
      for (let tries = 0; ports.length < count && tries < 100; tries++) {
        const port = await freePort();
        if (!ports.includes(port)) ports.push(port);
      }
      nodeFlags = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
      profileDir = undefined;
      dataDir = join(ctx.tmpDir, `parley-cluster-${++starts}`);
      schema = `bench_${randomBytes(6).toString('hex')}`;
      // statement_timeout bounds the DROP at stop, which waits for a killed node's backends.
      admin = new pg.Client({ connectionString: DATABASE, statement_timeout: 60_000, connectionTimeoutMillis: 10_000 });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      databaseUrl = `${DATABASE}?application_name=${schema}&options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      redisDb = await claimRedisDb();
      tokens.clear();
      // The first node runs the migrations and creates the development app; the others find both.
      await startNode(0);
      app = await unlimitedDevApp(join(dataDir, 'node-0'), ['--database-url', databaseUrl]);
      await Promise.all(Array.from({ length: count - 1 }, (_, i) => startNode(i + 1)));
      await refreshPgPids();
      pgPidTimer = setInterval(() => refreshPgPids().catch(() => {}), 1000);
      pgPidTimer.unref();
    },
    /** Stops every node and starts it again over the same store: fresh processes, same data. */
    async restartNodes() {
      await Promise.all(nodes.map((n) => n.proc.stop()));
      await Promise.all(nodes.map((_, i) => startNode(i)));
    },
    /** Stops every node, drops the schema, empties the Redis database; safe after a failed start. */
    async stop(signal = /** @type {NodeJS.Signals} */ ('SIGTERM')) {
      clearInterval(pgPidTimer);
      await Promise.all(nodes.map((n) => n.proc.stop(signal)));
      nodes = [];
      try {
        await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin?.end().catch(() => {});
        admin = undefined;
        try {
          await redis?.flushdb();
        } finally {
          redis?.disconnect();
          redis = undefined;
          if (dataDir) rmSync(dataDir, { recursive: true, force: true });
        }
      }
    },
    /** Node `i % N`'s gateway (`url`) and HTTP base. */
    endpoint(i = 0) {
      const port = nodes[i % nodes.length].port;
      return { url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}`, appKey: app?.appKey, port, host: '127.0.0.1' };
    },
    /** The server side as a whole: the nodes, their PostgreSQL backends and writers, and Redis. */
    pids: () => [...nodes.map((n) => n.proc.pid), ...pgPids, ...(Number.isFinite(redisPid) ? [redisPid] : [])],
    /** The same processes by role, for the CPU split (lib/harness.mjs). */
    cpuGroups: () => ({
      ...Object.fromEntries(nodes.map((n, i) => [`node ${i + 1}`, [n.proc.pid]])),
      PostgreSQL: pgPids,
      Redis: Number.isFinite(redisPid) ? [redisPid] : [],
    }),
    /** The event-loop delay of the node whose p99 was worst since the previous call (ms). */
    async loopDelay() {
      const delays = await Promise.all(nodes.map((n) => n.proc.loopDelay()));
      return delays.reduce((a, b) => (b.p99 > a.p99 ? b : a));
    },
    /**
     * The nodes' memory (RSS from /proc, V8 heap after a full GC) summed, `fds` of the fullest node,
     * each node's figures, and Redis's RSS (it holds every session).
     */
    async memory() {
      const perNode = await Promise.all(
        nodes.map(async (n) => {
          const m = await n.proc.memory();
          return { rss: rssOf(n.proc.pid), heapUsed: m.heapUsed, external: m.external, fds: fdsOf(n.proc.pid) };
        }),
      );
      const sum = (/** @type {'rss' | 'heapUsed' | 'external'} */ k) => perNode.reduce((t, m) => t + m[k], 0);
      return { rss: sum('rss'), heapUsed: sum('heapUsed'), external: sum('external'), fds: Math.max(...perNode.map((m) => m.fds)), perNode, redisRss: rssOf(redisPid) };
    },
    /** Open gateway connections of each node, as the node counts them (`/metrics`). */
    connections: () => Promise.all(nodes.map((n) => gatewayConnections(n.port))),
    /** Registers users through the Server API, spread over the nodes, and returns their tokens. */
    async tokens(/** @type {string[]} */ userIds) {
      return registerUsers(nodes.map((n) => `http://127.0.0.1:${n.port}`), userIds, /** @type {any} */ (app), tokens, 16 * Math.max(2, nodes.length));
    },
  };
  return target;
}

/** `parley_gateway_connections` from a node's `/metrics`. @param {number} port @returns {Promise<number>} */
function gatewayConnections(port) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(Number(/^parley_gateway_connections (\d+)/m.exec(text)?.[1] ?? NaN)));
    });
    req.on('timeout', () => req.destroy(new Error(`/metrics of :${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
