// Mass disconnect: thousands of authenticated clients lose their connections at the same instant
// (a load balancer restarting, a network blip), each socket dropped without a goodbye. What is
// measured is the server's event loop meanwhile: its longest stall (libuv's event-loop-delay
// sampler, bench/lib/probe.mjs) from just before the drop until the server has forgotten every
// connection (its `parley_gateway_connections` gauge back to zero), and how long that took. The
// server runs on a core of its own and the load generators on the others (harness.mjs
// `separateCores`): thousands of clients hanging up at once are a burst of work for the generators
// too, which on a shared 2-core machine would take the server's core and show as its stall. The
// longest stretch of the server's own CPU work without a turn of its loop is reported beside the
// stall (`busyCpuMax`, probe.mjs): a wait for a core does not inflate it. Then
// the same number of clients again, and the server is stopped (SIGTERM) with all of them open: the
// time until it has exited. The raw `ws` relay does the same with no session to clean up: what
// Node and `ws` cost for the sockets alone (it has no gauge: it is given a fixed time instead).
import { get } from 'node:http';
import { now, round, session, sleep } from '../lib/harness.mjs';

/** How long the server may take to forget the dropped connections before the round fails. */
const SETTLE_DEADLINE_MS = 30_000;
/** How long a system without a connection gauge is given to take the drop in. */
const SETTLE_MS = 3_000;

export default {
  name: 'mass-disconnect',
  title: 'Mass disconnect',
  targets: ['ws', 'parley', 'parley-native'],
  quickTargets: ['parley'],
  /** @param {boolean} quick */
  params: (quick) => ({ clients: 5000, rounds: quick ? 1 : 3, workers: 4, concurrency: 64 }),
  users: (/** @type {any} */ p) => p.clients,

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const s = await session(target, { workers: p.workers });
    const rounds = [];
    let shutdown;
    let cores;
    try {
      cores = s.separateCores();
      ctx.log(cores ? `  server on a core of its own, load generators on ${cores.loadCores}` : '  server and load generators share the cores (no taskset, or one core)');
      await target.busyOn();
      let nextId = 0;
      for (let r = 0; r < p.rounds; r++) {
        const ids = await connectAll(s, p, nextId, `drop-${r}`);
        nextId += ids.length;
        await sleep(1000);
        // Read and reset: what the next read reports starts here.
        await target.loopDelay();
        s.markCpu();
        const t0 = now();
        await s.pool.all('closeAll', (w) => ({ ids: ids.filter((id) => s.placement.get(id) === w) }));
        const settledMs = target.kind === 'parley' ? await untilGatewayEmpty(target.endpoint().http, t0) : await sleep(SETTLE_MS).then(() => null);
        const loop = await target.loopDelay();
        // The rest of the machine's CPU meanwhile: on a shared machine a process waiting for a core
        // shows as event-loop delay too.
        const cpu = s.cpu();
        rounds.push({ connections: ids.length, settledMs: settledMs === null ? null : round(settledMs, 0), eventLoopDelay: loop, cpu });
        const settled = settledMs === null ? '' : `, all forgotten after ${round(settledMs, 0)} ms`;
        ctx.log(`  round ${r + 1}: ${ids.length} dropped at once${settled}; event-loop delay max ${loop.max} ms, longest busy stretch ${loop.busyCpuMax} CPU ms (CPU server ${cpu.serverCores}, other ${cpu.otherCores})`);
        await sleep(500);
      }
      const ids = await connectAll(s, p, nextId, 'shutdown');
      await sleep(1000);
      const t0 = now();
      await target.stop('SIGTERM');
      shutdown = { connections: ids.length, stopMs: round(now() - t0, 0) };
      ctx.log(`  shutdown with ${ids.length} open: exited after ${shutdown.stopMs} ms`);
    } finally {
      await s.stop();
    }
    const most = (/** @type {(q: any) => number} */ of) => Math.max(...rounds.map(of));
    return { clients: p.clients, coresApart: cores !== undefined, rounds, maxEventLoopDelayMs: most((q) => q.eventLoopDelay.max), maxBusyCpuMs: most((q) => q.eventLoopDelay.busyCpuMax), shutdown };
  },
};

/** @param {any} s @param {any} p @param {number} from @param {string} tag @returns {Promise<number[]>} */
async function connectAll(s, p, from, tag) {
  const ids = Array.from({ length: p.clients }, (_, i) => from + i);
  await s.clients(ids.map((id, i) => ({ id, userId: `u${i}`, deviceId: `${tag}-${i}` })));
  const c = await s.connect({ ids, concurrency: p.concurrency, retries: 2 });
  if (c.failed > 0) throw new Error(`${c.failed} of ${ids.length} clients did not connect: ${JSON.stringify(c.errors)}`);
  return ids;
}

/** Polls the server's gateway gauge until it reads zero; returns the time since `t0`. @param {string} base @param {number} t0 */
async function untilGatewayEmpty(base, t0) {
  while (now() - t0 < SETTLE_DEADLINE_MS) {
    const text = await metricsOf(base);
    const open = /^parley_gateway_connections (\d+)/m.exec(text);
    if (open && Number(open[1]) === 0) return now() - t0;
    await sleep(20);
  }
  throw new Error(`the gateway still held connections ${SETTLE_DEADLINE_MS} ms after they were dropped`);
}

/** The server's `/metrics` text (open to loopback). @param {string} base @returns {Promise<string>} */
function metricsOf(base) {
  return new Promise((resolve, reject) => {
    get(`${base}/metrics`, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}
