import Database from 'better-sqlite3';
import { constants, existsSync } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { NODE_ANNOUNCE_EVERY_MS, NODE_ANNOUNCE_TTL_MS, type NodeInfo } from '../bus/bus.js';
import { DEFAULT_KEY_PREFIX, redisKeys } from '../bus/redis/redis-bus.js';
import { exposedEntries } from '../data-dir.js';
import { migrations, type Migration } from '../store/migrations.js';
import { withDefaultUser } from '../store/postgres/postgres-store.js';

/** One thing `parley doctor` looked at: fine, or what is wrong and how to fix it. */
export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorTarget {
  dataDir: string;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
}

export interface DoctorOptions {
  /** How long to watch for node announcements; by default long enough for every live node to announce once. */
  announcementWatchMs?: number;
  /** A node's clock may differ from this machine's by this much before it is a problem. */
  skewToleranceMs?: number;
}

/** Below this much free space (or this share of the disk), the data directory's disk is reported. */
export const MIN_FREE_BYTES = 1024 ** 3;
export const MIN_FREE_SHARE = 0.05;
const CONNECT_TIMEOUT_MS = 3000;
const POLL_MS = 100;
const NTP_FIX = 'keep every node\'s clock (and this machine\'s) synchronised: chrony or systemd-timesyncd';

/** Every check, in the order they are printed; each reports what it could not reach rather than throwing. */
export async function runDoctor(target: DoctorTarget, options: DoctorOptions = {}): Promise<Finding[]> {
  const findings = [...(await checkDataDir(target.dataDir)), await checkFreeSpace(target.dataDir)];
  findings.push(await (target.databaseUrl ? checkPostgresMigrations(target.databaseUrl) : checkSqliteMigrations(target.dataDir)));
  if (target.redisUrl) {
    if (!target.databaseUrl) {
      findings.push({
        check: 'cluster',
        ok: false,
        detail: 'a Redis URL without a database URL: nodes would share sessions and navigation but each keep its own SQLite store',
        fix: 'give every node the same --database-url (PostgreSQL), or drop --redis-url for a single node',
      });
    }
    findings.push(...(await checkRedis(target.redisUrl, options)));
  }
  return findings;
}

async function checkDataDir(dir: string): Promise<Finding[]> {
  const check = 'data directory';
  try {
    if (!(await stat(dir)).isDirectory()) return [{ check, ok: false, detail: `${dir} is not a directory`, fix: 'point --data-dir at a directory' }];
  } catch {
    return [{ check, ok: false, detail: `${dir} does not exist`, fix: 'start `parley serve` once with this --data-dir (it creates the directory, owner-only), or correct --data-dir' }];
  }
  try {
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    return [{ check, ok: false, detail: `${dir} is not readable and writable by this user`, fix: `run as the user that runs the server, or chown -R that user ${dir}` }];
  }
  const exposed = exposedEntries(dir);
  if (exposed.length === 0) return [{ check, ok: true, detail: `${dir} and its entries are readable by their owner only` }];
  return exposed.map(({ path, mode, wanted }) => ({
    check,
    ok: false,
    detail: `${path} is readable by other users (mode ${mode.toString(8)}; it holds App Secrets or tokens)`,
    fix: `chmod ${wanted.toString(8)} ${path}`,
  }));
}

async function checkFreeSpace(dir: string): Promise<Finding> {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const fs = await statfs(at);
  return judgeFreeSpace(at, fs.bavail * fs.bsize, fs.blocks * fs.bsize);
}

/** Free space under the data directory: SQLite's WAL and checkpoints, and uploaded files, need room. */
export function judgeFreeSpace(path: string, freeBytes: number, totalBytes: number): Finding {
  const detail = `${formatBytes(freeBytes)} free of ${formatBytes(totalBytes)} under ${path}`;
  if (freeBytes >= MIN_FREE_BYTES && freeBytes >= totalBytes * MIN_FREE_SHARE) return { check: 'free disk', ok: true, detail };
  return {
    check: 'free disk',
    ok: false,
    detail: `only ${detail}`,
    fix: `free space or grow the disk (a full disk stops every write); fewer --retention-days keeps less`,
  };
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Which of this build's migrations a store has applied; `where` names the store. */
export function judgeMigrations(where: string, applied: readonly number[], known: readonly Migration[] = migrations): Finding {
  const check = 'migrations';
  const have = new Set(applied);
  const pending = known.filter((m) => !have.has(m.version));
  const newer = applied.filter((v) => !known.some((m) => m.version === v));
  if (newer.length > 0) {
    return {
      check,
      ok: false,
      detail: `${where} has migrations this build does not know (${newer.join(', ')}): it was used by a newer Parley`,
      fix: 'run the Parley version that last used this store, or a newer one',
    };
  }
  if (pending.length > 0) {
    return {
      check,
      ok: false,
      detail: `${where}: ${pending.length} of ${known.length} pending (${pending.length <= 3 ? pending.map((m) => `${m.version}: ${m.name}`).join('; ') : `versions ${pending.map((m) => m.version).join(', ')}`})`,
      fix: 'back the store up, then start `parley serve`: it applies pending migrations at start, once, under a lock',
    };
  }
  return { check, ok: true, detail: `${where}: all ${known.length} applied` };
}

async function checkSqliteMigrations(dataDir: string): Promise<Finding> {
  const file = join(dataDir, 'parley.sqlite');
  if (!existsSync(file)) {
    return { check: 'migrations', ok: false, detail: `no store at ${file}`, fix: 'start `parley serve` once with this --data-dir (or give --database-url for PostgreSQL)' };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
    const applied = hasTable ? (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version) : [];
    return judgeMigrations(`SQLite ${file}`, applied);
  } catch (error) {
    return { check: 'migrations', ok: false, detail: `cannot read ${file}: ${(error as Error).message}`, fix: 'run as the server\'s user; restore the file from a backup if it is damaged' };
  } finally {
    db?.close();
  }
}

async function checkPostgresMigrations(url: string): Promise<Finding> {
  const where = `PostgreSQL ${redact(url)}`;
  const client = new pg.Client({ connectionString: withDefaultUser(url), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A connection that breaks after the checks would otherwise end the process with an unheard error.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    return { check: 'database', ok: false, detail: `cannot reach ${where}: ${reasonOf(error)}`, fix: 'start PostgreSQL, or correct --database-url (host, port, user, database)' };
  }
  try {
    const schema = (await client.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'no schema';
    const table = await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'");
    const applied = table.rowCount ? (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version) : [];
    return judgeMigrations(`${where} (schema ${schema})`, applied);
  } catch (error) {
    return { check: 'migrations', ok: false, detail: `${where}: ${reasonOf(error)}`, fix: 'connect as the user the servers use; it needs to read schema_migrations' };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string, options: DoctorOptions): Promise<Finding[]> {
  const where = `Redis ${redact(url)}`;
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // ioredis rejects with "Connection is closed" when it gives up; the socket's error says why.
  let cause: unknown;
  redis.on('error', (error: unknown) => (cause ??= error));
  try {
    const started = Date.now();
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      return [{ check: 'redis', ok: false, detail: `cannot reach ${where}: ${reasonOf(cause ?? error)}`, fix: 'start Redis, or correct --redis-url (host, port, database number)' }];
    }
    const reachable: Finding = { check: 'redis', ok: true, detail: `${where} answers (${Date.now() - started} ms)` };
    const observations = await watchAnnouncements(redis, options.announcementWatchMs ?? NODE_ANNOUNCE_EVERY_MS + 1000);
    return [reachable, ...judgeClocks(observations, options.skewToleranceMs ?? 1000)];
  } finally {
    redis.disconnect();
  }
}

/**
 * What was learnt of one node's clock. A node announces `its clock + TTL` as its expiry every
 * NODE_ANNOUNCE_EVERY_MS; when that changes between two polls, the node read its clock between the
 * first poll's request and the second's reply, which bounds its offset from this machine's clock.
 */
export type ClockObservation =
  | { node: string; kind: 'announced'; minOffsetMs: number; maxOffsetMs: number }
  /** No new announcement while watched: `expiresInMs` is how far its last one reaches past this machine's now. */
  | { node: string; kind: 'silent'; expiresInMs: number };

async function watchAnnouncements(redis: Redis, watchMs: number): Promise<ClockObservation[]> {
  const keys = redisKeys(DEFAULT_KEY_PREFIX);
  const poll = async () => {
    const sentAt = Date.now();
    const flat = await redis.zrange(keys.nodeExpiry, 0, -1, 'WITHSCORES');
    const scores = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) scores.set(flat[i] as string, Number(flat[i + 1]));
    return { sentAt, receivedAt: Date.now(), scores };
  };
  const first = await poll();
  const names = new Map<string, string>();
  for (const nodeId of first.scores.keys()) {
    const info = await redis.hget(keys.nodeInfo, nodeId);
    names.set(nodeId, info ? `${(JSON.parse(info) as NodeInfo).address} (${nodeId.slice(0, 8)})` : nodeId);
  }
  const observed = new Map<string, ClockObservation>();
  let previous = first;
  const deadline = Date.now() + watchMs;
  while (observed.size < first.scores.size && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const current = await poll();
    for (const [nodeId, score] of current.scores) {
      if (observed.has(nodeId) || !first.scores.has(nodeId) || score === previous.scores.get(nodeId)) continue;
      const nodeClock = score - NODE_ANNOUNCE_TTL_MS;
      observed.set(nodeId, { node: names.get(nodeId) ?? nodeId, kind: 'announced', minOffsetMs: nodeClock - current.receivedAt, maxOffsetMs: nodeClock - previous.sentAt });
    }
    previous = current;
  }
  for (const [nodeId, score] of first.scores) {
    if (!observed.has(nodeId)) observed.set(nodeId, { node: names.get(nodeId) ?? nodeId, kind: 'silent', expiresInMs: score - Date.now() });
  }
  return [...observed.values()];
}

/** Each node's clock against this machine's (and so against each other's). */
export function judgeClocks(observations: readonly ClockObservation[], toleranceMs: number): Finding[] {
  const check = 'clocks';
  const findings: Finding[] = [];
  const announced = observations.filter((o) => o.kind === 'announced');
  for (const o of announced) {
    const offset = (o.minOffsetMs + o.maxOffsetMs) / 2;
    const margin = (o.maxOffsetMs - o.minOffsetMs) / 2;
    if (Math.abs(offset) - margin <= toleranceMs) continue;
    findings.push({
      check,
      ok: false,
      detail: `node ${o.node}: its clock is ${seconds(Math.abs(offset))} ${offset > 0 ? 'ahead of' : 'behind'} this machine's (± ${Math.round(margin)} ms); rate limits and node expiry compare clocks across nodes`,
      fix: NTP_FIX,
    });
  }
  for (const o of observations) {
    if (o.kind !== 'silent' || o.expiresInMs <= NODE_ANNOUNCE_TTL_MS + toleranceMs) continue;
    findings.push({
      check,
      ok: false,
      detail: `node ${o.node} did not announce itself while watched, yet its last announcement lasts ${seconds(o.expiresInMs)} more: its clock runs ahead by at least ${seconds(o.expiresInMs - NODE_ANNOUNCE_TTL_MS)}, or it stopped`,
      fix: NTP_FIX,
    });
  }
  if (findings.length > 0) return findings;
  if (observations.length === 0) return [{ check, ok: true, detail: 'no node announces itself on this Redis (none running, or they use another Redis database): no clocks to compare' }];
  const worst = Math.max(0, ...announced.map((o) => Math.max(Math.abs(o.minOffsetMs), Math.abs(o.maxOffsetMs))));
  const silent = observations.length - announced.length;
  return [
    {
      check,
      ok: true,
      detail: `${announced.length} node(s) announcing, clocks within ${worst} ms of this machine's${silent > 0 ? `; ${silent} stopped recently (their announcements expire on their own)` : ''}`,
    },
  ];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

function reasonOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code && e.message && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : (e.message ?? e.code ?? String(error));
}
