// Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time,
// plus the same grouped by file/package, to say where a server's CPU went.
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { REPO } from './proc.mjs';

/** @param {string} file @param {number} top */
export function summarizeProfile(file, top = 25) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {Map<number, any>} */
  const nodes = new Map(prof.nodes.map((/** @type {any} */ nd) => [nd.id, nd]));
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  const deltas = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  /** @type {Map<string, {name: string, where: string, us: number}>} */
  const byFn = new Map();
  /** @type {Map<string, number>} */
  const byFile = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const cf = nodes.get(id).callFrame;
    // Idle time is the event loop waiting: not work. Percentages are of the busy time.
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const where = shortUrl(cf.url, cf.lineNumber);
    const name = cf.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const e = byFn.get(key) ?? { name, where, us: 0 };
    e.us += us;
    byFn.set(key, e);
    const fileKey = groupOf(cf.url, name);
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
    total += us;
  }
  const pct = (/** @type {number} */ us) => Math.round((us / total) * 1000) / 10;
  const workerScript = prof.nodes.map((/** @type {any} */ nd) => nd.callFrame.url).find((/** @type {string} */ url) => /packages\/.*-worker\.js$/.test(url));
  return {
    workerScript: workerScript ? basename(workerScript, '.js') : undefined,
    totalMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    top: [...byFn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, selfMs: Math.round(e.us / 1000), selfPct: pct(e.us) })),
    byGroup: [...byFile.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([group, us]) => ({ group, selfMs: Math.round(us / 1000), selfPct: pct(us) })),
  };
}

function shortUrl(/** @type {string} */ url, /** @type {number} */ line) {
  if (!url) return '(native/VM)';
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith('/')) u = relative(REPO, u);
  u = u.replace(/^.*node_modules\//, 'node_modules/');
  return `${u}:${line + 1}`;
}

function groupOf(/** @type {string} */ url, /** @type {string} */ name) {
  if (!url) return name.startsWith('(') ? name : '(native/VM)';
  const u = url.replace(/^file:\/\//, '');
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (mod) return `node_modules/${mod[1]}`;
  if (u.startsWith('node:')) return u;
  return relative(REPO, u).replace(/\/dist\//, '/src/').replace(/\.js$/, '.ts');
}

/**
 * Every thread's profile in a directory (`--cpu-prof` writes one file per thread, named
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile), labelled: the main thread, or a worker named
 * after its script.
 * @param {string} dir @param {string[]} files
 */
export function summarizeThreads(dir, files) {
  return files
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const summary = summarizeProfile(file);
      const thread = Number(name.split('.')[4]);
      const label = thread === 0 ? 'main thread' : `${summary.workerScript ?? `worker ${thread}`} thread`;
      return { label, file, ...summary };
    })
    .sort((a, b) => b.totalMs - a.totalMs);
}
