import { NavigationProtocol } from '@parley/protocol';
import Database from 'better-sqlite3';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_ANNOUNCE_TTL_MS, type Bus } from '../src/bus/bus.js';
import { createRedisBus } from '../src/bus/redis/redis-bus.js';
import { runDoctor, type Finding } from '../src/cli/doctor.js';
import { migrations } from '../src/store/migrations.js';
import { openPostgresStore, withDefaultUser } from '../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { freePort } from './support/free-port.js';
import { makeTempDir } from './support/temp-dir.js';

// CI starts PostgreSQL and Redis: when they cannot be reached these tests fail rather than skip.
const DATABASE_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';
const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A data directory as `parley serve` leaves it: owner-only, migrated. */
async function sqliteDataDir(): Promise<string> {
  const dir = makeTempDir();
  cleanups.push(dir.remove);
  const dataDir = join(dir.path, 'data');
  await openSqliteStore(join(dataDir, 'parley.sqlite')).close();
  return dataDir;
}

const failures = (findings: Finding[]) => findings.filter((f) => !f.ok);

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDefaultUser(DATABASE_URL) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database URL whose connections use a fresh, empty schema, as the cluster tests make them. */
async function freshSchemaUrl(): Promise<string> {
  const schema = `d_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  cleanups.push(() => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  return `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** A node on the Redis bus announcing itself every 100 ms with a clock `offsetMs` off this machine's. */
async function announcingNode(redisUrl: string, address: string, offsetMs: number): Promise<void> {
  const bus: Bus = await createRedisBus(redisUrl, { now: () => Date.now() + offsetMs });
  const nodeId = randomUUID();
  const announce = () => bus.nodes.announce({ nodeId, address, protocol: NavigationProtocol.WS, connections: 0 }, NODE_ANNOUNCE_TTL_MS);
  await announce();
  const timer = setInterval(() => void announce().catch(() => undefined), 100);
  cleanups.push(async () => {
    clearInterval(timer);
    await bus.nodes.withdraw(nodeId);
    await bus.close();
  });
}

describe('parley doctor on a SQLite data directory', () => {
  it('finds nothing wrong with one the server left', async () => {
    const findings = await runDoctor({ dataDir: await sqliteDataDir() });
    expect(failures(findings)).toEqual([]);
    expect(findings.map((f) => f.check)).toEqual(['data directory', 'free disk', 'migrations']);
    expect(findings.find((f) => f.check === 'migrations')?.detail).toMatch(new RegExp(`all ${migrations.length} applied`));
  });

  it('names every entry other users can read, with the chmod that fixes it', async () => {
    const dataDir = await sqliteDataDir();
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'parley.sqlite'), 0o644);
    mkdirSync(join(dataDir, 'media'), { mode: 0o750 });
    writeFileSync(join(dataDir, 'admin-token'), 'x', { mode: 0o600 });
    const problems = failures(await runDoctor({ dataDir }));
    expect(problems.map((p) => p.fix).sort()).toEqual([`chmod 600 ${join(dataDir, 'parley.sqlite')}`, `chmod 700 ${dataDir}`, `chmod 700 ${join(dataDir, 'media')}`].sort());
    expect(problems.every((p) => p.check === 'data directory')).toBe(true);
  });

  it('reports a pending migration, and one from a newer Parley, without changing the file', async () => {
    const dataDir = await sqliteDataDir();
    const file = join(dataDir, 'parley.sqlite');
    const last = migrations.at(-1)!;
    const db = new Database(file);
    db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(last.version);
    db.close();
    const [pending] = failures(await runDoctor({ dataDir }));
    expect(pending).toMatchObject({ check: 'migrations', detail: expect.stringContaining(`1 of ${migrations.length} pending (${last.version}: ${last.name})`) });
    const after = new Database(file, { readonly: true });
    expect(after.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: migrations.length - 1 });
    after.close();

    const newer = new Database(file);
    newer.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?), (?, ?, ?)').run(last.version, last.name, 0, 9999, 'future', 0);
    newer.close();
    expect(failures(await runDoctor({ dataDir }))).toEqual([expect.objectContaining({ check: 'migrations', detail: expect.stringContaining('(9999): it was used by a newer Parley') })]);
  });

  it('says a data directory that does not exist yet is not ready, and how to make it', async () => {
    const dir = makeTempDir();
    cleanups.push(dir.remove);
    const problems = failures(await runDoctor({ dataDir: join(dir.path, 'nothing') }));
    expect(problems.map((p) => p.check)).toEqual(['data directory', 'migrations']);
    expect(problems[0]?.fix).toMatch(/parley serve/);
  });
});

describe('parley doctor on PostgreSQL and Redis', () => {
  it('reports every migration pending on an empty schema, none once a node has migrated it', async () => {
    const dataDir = await sqliteDataDir();
    const url = await freshSchemaUrl();
    const before = failures(await runDoctor({ dataDir, databaseUrl: url }));
    expect(before).toEqual([expect.objectContaining({ check: 'migrations', detail: expect.stringContaining(`${migrations.length} of ${migrations.length} pending`) })]);
    await (await openPostgresStore(url)).close();
    const after = await runDoctor({ dataDir, databaseUrl: url });
    expect(failures(after)).toEqual([]);
    expect(after.find((f) => f.check === 'migrations')?.detail).toMatch(/PostgreSQL .*\(schema d_[0-9a-f]+\): all \d+ applied/);
  });

  it('says plainly when PostgreSQL or Redis cannot be reached', async () => {
    const dataDir = await sqliteDataDir();
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const problems = failures(await runDoctor({ dataDir, databaseUrl: `postgres://127.0.0.1:${pgPort}/test`, redisUrl: `redis://127.0.0.1:${redisPort}` }));
    expect(problems).toEqual([
      expect.objectContaining({ check: 'database', detail: `cannot reach PostgreSQL postgres://127.0.0.1:${pgPort}/test: connect ECONNREFUSED 127.0.0.1:${pgPort}`, fix: expect.stringMatching(/--database-url/) }),
      expect.objectContaining({ check: 'redis', detail: `cannot reach Redis redis://127.0.0.1:${redisPort}: connect ECONNREFUSED 127.0.0.1:${redisPort}`, fix: expect.stringMatching(/--redis-url/) }),
    ]);
  });

  it('compares the clocks of the nodes announcing on Redis with this machine', async () => {
    const dataDir = await sqliteDataDir();
    const databaseUrl = await freshSchemaUrl();
    await (await openPostgresStore(databaseUrl)).close();
    // A database of its own (as the cluster tests take), since the doctor reads the servers' own keys.
    const redisUrl = `${REDIS_URL}/${randomInt(1, 16)}`;
    const honest = `10.77.${randomInt(256)}.1:8081`;
    const ahead = `10.77.${randomInt(256)}.2:8081`;
    const behind = `10.77.${randomInt(256)}.3:8081`;
    await announcingNode(redisUrl, honest, 0);
    await announcingNode(redisUrl, ahead, 5000);
    await announcingNode(redisUrl, behind, -4000);
    const findings = await runDoctor({ dataDir, databaseUrl, redisUrl });
    expect(findings.find((f) => f.check === 'redis')).toMatchObject({ ok: true, detail: expect.stringContaining('answers') });
    const clocks = failures(findings).filter((f) => f.check === 'clocks');
    expect(clocks.find((f) => f.detail.includes(ahead))?.detail).toMatch(/its clock is (4\.[89]|5\.[01]) s ahead of this machine's/);
    expect(clocks.find((f) => f.detail.includes(behind))?.detail).toMatch(/its clock is (3\.[89]|4\.[01]) s behind this machine's/);
    expect(clocks.some((f) => f.detail.includes(honest))).toBe(false);
  });
});
