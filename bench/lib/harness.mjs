// Shared steps of the scenarios: load workers, clients spread over them, connecting, collecting.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { coresByGroup, cpuBetween, cpuSnapshot } from './noise.mjs';
import { Hist, now, round, sleep } from './stats.mjs';
import { sourceAddress, WorkerPool } from './workers.mjs';

/**
 * One scenario run against one target: a fresh server start, fresh load workers, CPU accounting.
 * @param {any} target
 * @param {{workers: number, start?: any}} o `start`: the target's start options (a cluster's node count)
 */
export async function session(target, o) {
  await target.start(o.start);
  const pool = await WorkerPool.start(o.workers);
  const workerPids = () => pool.workers.map((w) => /** @type {number} */ (w.child.pid));
  const pids = () => [process.pid, ...workerPids(), ...target.pids()];
  let mark = cpuSnapshot(pids());
  let separated = false;
  /** @type {Map<number, number>} client id → worker index */
  const placement = new Map();
  return {
    target,
    pool,
    placement,
    /**
     * Gives the server a core of its own and the load generators (and this runner) the others, for
     * a measurement of the server's event loop: when thousands of clients act in the same instant,
     * their own burst would otherwise take the server's core and show as its stall. Returns what the
     * server got, or undefined on a machine with one core or without `taskset`.
     */
    separateCores() {
      // The machine's cores, not this process's: once pinned, its own affinity is a single core.
      const cores = cpus().length;
      if (cores < 2) return undefined;
      const last = cores - 1;
      try {
        for (const pid of target.pids()) execFileSync('taskset', ['-a', '-p', '-c', String(last), String(pid)], { stdio: 'ignore' });
        separated = true;
        for (const pid of [process.pid, ...workerPids()]) execFileSync('taskset', ['-a', '-p', '-c', `0-${last - 1}`, String(pid)], { stdio: 'ignore' });
      } catch {
        return undefined;
      }
      return { serverCores: 1, loadCores: last };
    },
    /** Starts a CPU accounting window. */
    markCpu() {
      mark = cpuSnapshot(pids());
    },
    /**
     * CPU used since markCpu(): the server's, the bench's (incl. server) and the rest of the machine's;
     * with a target made of several processes (`cpuGroups()`), also each group's and the load generators'.
     */
    cpu() {
      const end = cpuSnapshot(pids());
      const cpu = cpuBetween(mark, end, target.pids());
      return target.cpuGroups ? { ...cpu, groups: coresByGroup(mark, end, { ...target.cpuGroups(), 'load generators': workerPids() }) } : cpu;
    },
    /**
     * Creates clients (not connected) for these users. `workerOf(i)` places client i (default: round robin).
     * @param {{id: number, userId: string, [k: string]: any}[]} specs
     * @param {(i: number) => number} [workerOf]
     */
    async clients(specs, workerOf) {
      const tokens = await target.tokens(specs.map((s) => s.userId));
      const byWorker = pool.workers.map(() => /** @type {any[]} */ ([]));
      specs.forEach((s, i) => {
        const w = workerOf ? workerOf(i) : s.id % pool.size;
        placement.set(s.id, w);
        byWorker[w].push({ localAddress: sourceAddress(s.id), ...s, token: tokens[i] });
      });
      await pool.all('setup', (w) => ({ protocol: target.protocol, endpoint: target.endpoint(), clients: byWorker[w] }));
    },
    /**
     * Connects clients (all, or these ids) with `concurrency` handshakes in flight per worker.
     * @param {{ids?: number[], concurrency?: number, retries?: number}} [a]
     */
    async connect(a = {}) {
      const startAt = now() + 100;
      const idsOf = (/** @type {number} */ w) => (a.ids ? a.ids.filter((id) => placement.get(id) === w) : undefined);
      const rs = await pool.all('connect', (w) => ({ ids: idsOf(w), concurrency: a.concurrency ?? 64, startAt, retries: a.retries ?? 0 }));
      return mergeConnects(rs);
    },
    async stop() {
      await pool.all('closeAll').catch(() => {});
      await pool.stop();
      await target.stop();
      // The runner goes on with the next scenario: all cores again.
      if (separated) execFileSync('taskset', ['-a', '-p', '-c', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
    },
  };
}

/** @param {any[]} rs */
export function mergeConnects(rs) {
  const hist = new Hist();
  let t0 = Infinity;
  let t1 = 0;
  let ok = 0;
  let failed = 0;
  /** @type {Record<string, number>} */
  const errors = {};
  for (const r of rs) {
    hist.merge(r.hist);
    if (r.ok > 0 || r.failed > 0) t0 = Math.min(t0, r.t0);
    t1 = Math.max(t1, r.t1);
    ok += r.ok;
    failed += r.failed;
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  const seconds = (t1 - t0) / 1000;
  return { ok, failed, errors, seconds: round(seconds, 3), perSecond: seconds > 0 ? Math.round(ok / seconds) : null, latency: hist.summary() };
}

/**
 * Collects from every load worker until `expected` deliveries arrived, nothing new came for 3 s, or
 * `timeoutMs` passed: a bounded wait that still lets a slow fan-out finish.
 * @param {{ all(command: string): Promise<any[]> }} pool
 * @param {number} expected
 * @param {number} timeoutMs
 */
export async function collectUntilSettled(pool, expected, timeoutMs) {
  let got = mergeCollects(await pool.all('collect'));
  let last = got.count;
  let quietSince = now();
  const deadline = now() + timeoutMs;
  while (got.count < expected && now() < deadline && now() - quietSince < 3000) {
    await sleep(100);
    got = mergeCollects(await pool.all('collect'));
    if (got.count !== last) {
      last = got.count;
      quietSince = now();
    }
  }
  return got;
}

/** @param {any[]} cs results of `collect` */
export function mergeCollects(cs) {
  const hist = new Hist();
  let count = 0;
  let inWindow = 0;
  let stale = 0;
  let first = Infinity;
  let last = 0;
  /** @type {string[]} */
  const keys = [];
  for (const c of cs) {
    hist.merge(c.hist);
    count += c.count;
    inWindow += c.inWindow;
    stale += c.stale;
    if (c.first) first = Math.min(first, c.first);
    last = Math.max(last, c.last);
    if (c.keys) keys.push(...c.keys);
  }
  return { count, inWindow, stale, first, last, hist, keys };
}

/** Server CPU time per operation, in µs. @param {{serverCores: number, seconds: number}} cpu @param {number} ops */
export function cpuPerOp(cpu, ops) {
  return ops > 0 ? Math.round(((cpu.serverCores * cpu.seconds) / ops) * 1e6 * 10) / 10 : null;
}

/**
 * Waits (at most maxMs) until the rest of the machine is nearly idle: other sessions share this
 * machine, and a benchmark on 2 cores is only as good as its quiet. Returns the cores still busy.
 */
export async function waitForQuiet(maxMs, threshold = 0.3) {
  const deadline = Date.now() + maxMs;
  let busy = 0;
  do {
    const a = cpuSnapshot([process.pid]);
    await sleep(1000);
    busy = cpuBetween(a, cpuSnapshot([process.pid])).otherCores;
    if (busy <= threshold) break;
  } while (Date.now() < deadline);
  return busy;
}

export { now, round, sleep };
