// Chatroom fan-out: one room of N members (5,000 by default) spread over the load generators (and,
// against the cluster, over the nodes, so the room spans them through the Redis bus). A few members
// send at a fixed offered rate, step by step; every message reaches every other member (an `s_ntf`
// of type 2, then a chrmPull from the member's cursor). Deliveries/s, latency per delivery (send →
// message in the member's hands), lost deliveries and the server's CPU per delivery.
// A room takes at most 100 messages/s (core/chatrooms/chatroom-rooms.ts), so the steps stay below it.
import { collectUntilSettled, cpuPerOp, now, round, session, sleep } from '../lib/harness.mjs';

/** Sockets one load generator holds at most: a process may hold 20,000 open files here. */
const MAX_SOCKETS_PER_WORKER = 19_000;

export default {
  name: 'chatroom-fanout',
  title: 'Chatroom fan-out (one room)',
  targets: ['parley', 'parley-cluster'],
  quickTargets: ['parley'],
  /** @param {boolean} quick */
  params: (quick) =>
    quick
      ? { members: 1000, senders: 2, rates: [5, 20], stepMs: 3000, workers: 2, nodes: 2, concurrency: 32, timeoutMs: 30_000 }
      : { members: 5000, senders: 4, rates: [2, 5, 10, 20, 40], stepMs: 5000, workers: 4, nodes: 2, concurrency: 32, timeoutMs: 60_000 },
  users: (/** @type {any} */ p) => p.members,

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const cluster = target.name === 'parley-cluster';
    const workers = Math.max(p.workers, Math.ceil(p.members / MAX_SOCKETS_PER_WORKER));
    const s = await session(target, { workers, start: cluster ? { nodes: p.nodes } : undefined });
    const runTag = Math.random().toString(36).slice(2, 7);
    const roomId = `bench-room-${runTag}`;
    try {
      // Member i on node i % N: the senders (the first few) sit on different nodes too.
      const specs = Array.from({ length: p.members }, (_, i) => ({ id: i, userId: `u${i}`, deviceId: `room-${runTag}-${i}`, url: target.endpoint(i).url }));
      await s.clients(specs);
      const c = await s.connect({ concurrency: p.concurrency, retries: 2 });
      if (c.failed) throw new Error(`${c.failed} clients failed to connect: ${JSON.stringify(c.errors)}`);
      const ids = specs.map((x) => x.id);
      const idsOf = (/** @type {number} */ w) => ids.filter((id) => s.placement.get(id) === w);
      const joinStart = now();
      const joins = await s.pool.all('joinRoom', (w) => ({ ids: idsOf(w), roomId, concurrency: p.concurrency }));
      const joined = joins.reduce((n, j) => n + j.ok, 0);
      const joinSeconds = (now() - joinStart) / 1000;
      if (joined !== p.members) throw new Error(`${p.members - joined} members could not join`);
      ctx.log(`  ${n(joined)} members joined in ${joinSeconds.toFixed(1)} s (${Math.round(joined / joinSeconds)}/s)`);
      // The joins made through one node reach the others' replicas through the bus.
      await sleep(1000);

      const senderIds = ids.slice(0, p.senders);
      const steps = [];
      for (const rate of p.rates) {
        const tag = `room-${target.name}-${rate}-${runTag}`;
        await s.pool.all('record', { tag });
        await target.loopDelay();
        s.markCpu();
        const t0 = now();
        const loads = await s.pool.all('load', (w) => {
          const mine = senderIds.filter((id) => s.placement.get(id) === w);
          // Each worker offers its share of the rate.
          return { tag, senders: mine.map((id) => [id, 'chatroom', roomId]), rate: mine.length ? (rate * mine.length) / senderIds.length : 0, durationMs: mine.length ? p.stepMs : 0, maxOutstanding: 16 };
        });
        const acked = loads.reduce((t, l) => t + l.acked, 0);
        const refused = loads.reduce((t, l) => t + l.refused, 0);
        const expected = acked * (p.members - 1);
        const got = await collectUntilSettled(s.pool, expected, p.timeoutMs);
        const cpu = s.cpu();
        const loop = await target.loopDelay();
        const seconds = (got.last - t0) / 1000;
        const step = {
          offeredRate: rate,
          messages: acked,
          refused,
          expected,
          delivered: got.count,
          lost: Math.max(0, expected - got.count),
          duplicates: Math.max(0, got.count - expected),
          deliveriesPerSecond: seconds > 0 ? Math.round(got.count / seconds) : null,
          seconds: round(seconds, 3),
          latency: got.hist.summary(),
          cpu,
          serverCpuUsPerDelivery: cpuPerOp(cpu, got.count),
          eventLoopDelay: loop,
        };
        ctx.log(
          `  ${rate} msgs/s × ${n(p.members - 1)} members: ${n(step.deliveriesPerSecond)} deliveries/s, p50 ${step.latency.p50} p99 ${step.latency.p99} ms, lost ${n(step.lost)}, server ${cpu.serverCores} cores (${step.serverCpuUsPerDelivery} µs/delivery)`,
        );
        steps.push(step);
        // Past saturation the next step only queues more.
        if (step.lost > 0 || (step.latency.p99 ?? 0) > 5000) break;
        await sleep(1000);
      }
      return { members: p.members, nodes: cluster ? p.nodes : 1, joinsPerSecond: Math.round(joined / joinSeconds), steps };
    } finally {
      await s.stop();
    }
  },
};

/** @param {number | null | undefined} x */
function n(x) {
  return x == null ? '–' : x.toLocaleString('en-US');
}
