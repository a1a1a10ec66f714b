// Cluster scale: Parley's cluster mode (PostgreSQL + Redis) on this one machine.
// (a) 1:1 messaging with 1, 2 and 3 nodes: the messaging ramp's pairs and steps (shorter), each
//     sender on node i % N and its recipient on the next node, so with 2 nodes or more every message
//     crosses nodes (stored in PostgreSQL by the sender's node, its notice relayed through Redis to the
//     recipient's node, pulled there); max delivered msgs/s, then p50/p99 at one modest fixed rate.
//     Every step records the CPU of each node, PostgreSQL, Redis and the load generators, which is
//     what tells where scaling stops on 2 cores.
// (b) Connections held: 100,000 authenticated idle connections over several nodes and load
//     generators, each process below the 20,000 open files it may hold here; memory at 20k, 50k and
//     100k held (per connection: growth since a warm-up set, over the connections added).
import { cpuPerOp, now, round, session, sleep } from '../lib/harness.mjs';
import { idleFigures } from './connect-storm.mjs';
import { connectPairs, rampStepper, rampUp } from './messaging-ramp.mjs';

/** Sockets one load generator may hold: the same per-process limit as a node. */
const MAX_SOCKETS_PER_WORKER = 19_500;

export default {
  name: 'cluster-scale',
  title: 'Cluster scale (PostgreSQL + Redis)',
  targets: ['parley-cluster'],
  /** @param {boolean} quick */
  params: (quick) =>
    quick
      ? { nodeCounts: [1, 2], pairs: 50, workers: 2, stepMs: 2000, warmupMs: 500, drainMs: 1000, startRate: 500, factor: 2, maxSteps: 3, maxOutstanding: 100, fixedRate: 200, holdAt: [2000], holdNodes: 2, holdWorkers: 2, warmup: 100, concurrency: 64, holdMs: 1000 }
      : { nodeCounts: [1, 2, 3], pairs: 200, workers: 2, stepMs: 4000, warmupMs: 1000, drainMs: 2000, startRate: 500, factor: 1.5, maxSteps: 10, maxOutstanding: 100, fixedRate: 200, holdAt: [20_000, 50_000, 100_000], holdNodes: 6, holdWorkers: 6, warmup: 3000, concurrency: 64, holdMs: 5000 },
  users: (/** @type {any} */ p) => Math.max(2 * p.pairs, p.holdAt.at(-1) ?? 0),

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    // One part failing (say, 100k connections) leaves the other's figures standing.
    const part = async (/** @type {string} */ name, /** @type {() => Promise<any>} */ fn) => {
      try {
        return await fn();
      } catch (e) {
        ctx.log(`   ${name} FAILED: ${/** @type {Error} */ (e).stack ?? e}`);
        await target.stop().catch(() => {});
        return { error: String(/** @type {Error} */ (e).message ?? e) };
      }
    };
    const messaging = [];
    for (const nodes of p.nodeCounts) {
      ctx.log(`  ${nodes} node${nodes > 1 ? 's' : ''}:`);
      messaging.push({ nodes, ...(await part(`messaging on ${nodes} nodes`, () => messagingOn(target, nodes, p, ctx))) });
    }
    const base = messaging[0]?.maxRate;
    for (const m of messaging) m.scaling = base && m.maxRate ? round(m.maxRate / base) : null;
    // `--param 'cluster-scale.holdAt=[]'` leaves the connections part out (messaging only).
    const connections = p.holdAt.length ? await part('connections', () => holdConnections(target, p, ctx)) : undefined;
    return { messaging, connections };
  },
};

/**
 * The ramp on `nodes` nodes, then one step at p.fixedRate.
 * @param {any} target @param {number} nodes @param {any} p @param {any} ctx
 */
async function messagingOn(target, nodes, p, ctx) {
  const s = await session(target, { workers: p.workers, start: { nodes } });
  try {
    await connectPairs(s, p, (i) => ({ url: target.endpoint(i < p.pairs ? i : i - p.pairs + 1).url }));
    const step = rampStepper(s, p, ctx);
    const { steps, best } = await rampUp(step, p);
    await sleep(500);
    const fixed = await step(p.fixedRate, 'fixed');
    logCpu(ctx, best.cpu);
    return { maxRate: best.deliveredRate, serverCpuUsPerMessage: best.serverCpuUsPerMessage, cpuAtMax: best.cpu, steps, fixed };
  } finally {
    await s.stop();
  }
}

/**
 * Connects p.holdAt.at(-1) idle clients over p.holdNodes nodes (client i on node i % N), in stages
 * ending at each count of p.holdAt, and measures what the nodes hold after each.
 * @param {any} target @param {any} p @param {any} ctx
 */
async function holdConnections(target, p, ctx) {
  const total = p.holdAt.at(-1);
  if (Math.ceil(total / p.holdNodes) > target.maxConnectionsPerNode) throw new Error(`${total} connections need more than ${p.holdNodes} nodes`);
  if (Math.ceil(total / p.holdWorkers) > MAX_SOCKETS_PER_WORKER) throw new Error(`${total} connections need more than ${p.holdWorkers} load generators`);
  const s = await session(target, { workers: p.holdWorkers, start: { nodes: p.holdNodes } });
  try {
    const t0 = now();
    const specs = Array.from({ length: total }, (_, i) => ({ id: i, userId: `u${i}`, url: target.endpoint(i).url }));
    await target.tokens(specs.map((c) => c.userId));
    const registerSeconds = round((now() - t0) / 1000, 1);
    ctx.log(`  ${p.holdNodes} nodes, ${p.holdWorkers} load generators; ${total.toLocaleString('en-US')} users registered through the Server API in ${registerSeconds} s`);
    // Registering left garbage and grown heaps in the nodes that they give back to the system only
    // slowly; fresh processes make the memory baseline one of connections only, as in idle-density
    // (whose users were registered in an earlier start).
    await target.restartNodes();
    await s.clients(specs);
    const range = (/** @type {number} */ from, /** @type {number} */ to) => Array.from({ length: to - from }, (_, i) => from + i);
    const warm = await s.connect({ ids: range(0, p.warmup), concurrency: p.concurrency, retries: 2 });
    // The same pause as before each later measurement: after a burst of connects a node's RSS keeps
    // settling for seconds (V8 gives pages back lazily), and six nodes move the sum by tens of MB.
    await sleep(p.holdMs);
    const mem0 = await target.memory();
    const stages = [];
    let from = p.warmup;
    let added = 0;
    let connectSeconds = warm.seconds;
    for (const at of p.holdAt) {
      s.markCpu();
      const c = await s.connect({ ids: range(from, at), concurrency: p.concurrency, retries: 3 });
      const cpu = s.cpu();
      from = at;
      added += c.ok;
      connectSeconds += c.seconds;
      await sleep(p.holdMs);
      const mem = await target.memory();
      const perNode = await target.connections();
      const held = (await s.pool.all('connectedCount')).reduce((n, r) => n + r.connected, 0);
      const stage = {
        attempted: at,
        held,
        perNode,
        connectRate: c.perSecond,
        connectLatency: c.latency,
        failed: c.failed,
        errors: c.errors,
        serverCpuUsPerConnect: cpuPerOp(cpu, c.ok),
        cpu,
        rssTotal: mem.rss,
        fdsPerNode: mem.perNode.map((/** @type {any} */ m) => m.fds),
        redisRssGrowth: mem.redisRss - mem0.redisRss,
        ...idleFigures(mem0, mem, added),
      };
      stages.push(stage);
      ctx.log(`  held ${held.toLocaleString('en-US')} (nodes: ${perNode.join(', ')}) at ${c.perSecond}/s, failed ${c.failed}${c.failed ? ` ${JSON.stringify(c.errors)}` : ''}; server RSS ${round(mem.rss / 2 ** 20, 0)} MiB, ${stage.rssPerConnKiB} KiB RSS / ${stage.heapPerConnKiB} KiB heap per connection; fds of the fullest node ${mem.fds}`);
      logCpu(ctx, cpu);
    }
    const last = stages[stages.length - 1];
    return { nodes: p.holdNodes, workers: p.holdWorkers, registerSeconds, warmup: warm.ok, connectSeconds: round(connectSeconds, 1), connectRate: connectSeconds > 0 ? Math.round((added + warm.ok) / connectSeconds) : null, held: last.held, stages };
  } finally {
    await s.stop();
  }
}

/** The cores each part of the system used, which is what limits scaling on this machine. @param {any} ctx @param {any} cpu */
function logCpu(ctx, cpu) {
  const parts = Object.entries(cpu.groups ?? {}).map(([name, cores]) => `${name} ${cores}`);
  ctx.log(`    cores: ${parts.join(', ')}, other ${cpu.otherCores}`);
}
