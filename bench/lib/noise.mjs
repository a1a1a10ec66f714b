// How much CPU the rest of the machine used while we measured: the machine is shared, and a
// benchmark on 2 cores is only as good as its quiet. Reported with every measurement.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const TICKS_PER_SECOND = 100;

function machineBusyTicks() {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const [user, nice, system, , , irq, softirq, steal] = first;
  return user + nice + system + irq + softirq + (steal ?? 0);
}

/** @param {number} pid */
function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** @param {number[]} pids ours: runner, load workers, servers */
export function cpuSnapshot(pids) {
  const per = new Map(pids.map((p) => [p, processTicks(p)]));
  return { at: performance.now(), busy: machineBusyTicks(), per };
}

/** CPU ticks `pid` used between two snapshots (0 for a process seen only in one of them). */
function ticksBetween(/** @type {ReturnType<typeof cpuSnapshot>} */ a, /** @type {ReturnType<typeof cpuSnapshot>} */ b, /** @type {number} */ pid) {
  const end = b.per.get(pid) ?? 0;
  return Math.max(0, end - (a.per.get(pid) ?? end));
}

const coresOf = (/** @type {number} */ ticks, /** @type {number} */ seconds) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100) / 100;

/**
 * Cores used, between two snapshots, by our processes and by everything else.
 * @param {ReturnType<typeof cpuSnapshot>} a
 * @param {ReturnType<typeof cpuSnapshot>} b
 * @param {number[]} serverPids
 */
export function cpuBetween(a, b, serverPids = []) {
  const seconds = (b.at - a.at) / 1000;
  let ours = 0;
  let server = 0;
  for (const pid of b.per.keys()) {
    const d = ticksBetween(a, b, pid);
    ours += d;
    if (serverPids.includes(pid)) server += d;
  }
  const busy = b.busy - a.busy;
  return { seconds: Math.round(seconds * 10) / 10, serverCores: coresOf(server, seconds), benchCores: coresOf(ours, seconds), otherCores: coresOf(Math.max(0, busy - ours), seconds) };
}

/**
 * Cores used between two snapshots by each named group of processes (the pids must be in both).
 * @param {ReturnType<typeof cpuSnapshot>} a
 * @param {ReturnType<typeof cpuSnapshot>} b
 * @param {Record<string, number[]>} groups
 */
export function coresByGroup(a, b, groups) {
  const seconds = (b.at - a.at) / 1000;
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, coresOf(pids.reduce((t, pid) => t + ticksBetween(a, b, pid), 0), seconds)]));
}
