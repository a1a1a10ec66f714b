// Connect storm: 5,000 clients connect at once (a bounded number of handshakes in flight, so the
// listen backlog never overflows and the figure is the server's, not the kernel's). Each connect is
// timed from socket creation to the authenticated answer (Parley: CONNACK after the token check and
// session registration). A warm-up set stays connected (the baseline of the idle figures also
// taken here), then one unmeasured round warms both sides up; the first measured round's clients
// stay connected and idle while the server's memory is measured.
import { cpuPerOp, session, sleep } from '../lib/harness.mjs';

export default {
  name: 'connect-storm',
  title: 'Connect storm',
  targets: ['ws', 'socketio', 'mosquitto', 'rabbitmq', 'jetstream', 'parley', 'parley-native'],
  /** @param {boolean} quick */
  params: (quick) => ({ clients: 5000, warmup: quick ? 300 : 500, warmupRound: quick ? 1500 : 5000, rounds: quick ? 1 : 3, workers: 4, concurrency: 64 }),
  /** Users this scenario needs registered. */
  users: (/** @type {any} */ p) => p.warmup + p.clients,

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const s = await session(target, { workers: p.workers });
    try {
      const warm = Array.from({ length: p.warmup }, (_, i) => ({ id: i, userId: `u${i}` }));
      await s.clients(warm);
      const w = await s.connect({ concurrency: p.concurrency, retries: 2 });
      if (w.failed > 0) ctx.log(`  warm-up: ${w.failed} failed ${JSON.stringify(w.errors)}`);
      await sleep(500);
      const mem0 = await target.memory();
      const rounds = [];
      let memAfter;
      let nextId = p.warmup;
      // One unmeasured round first: the load generators (fresh processes) and the server JIT-compile
      // their connect paths here, so the measured rounds compare steady states.
      for (let r = -1; r < p.rounds; r++) {
        const count = r < 0 ? p.warmupRound : p.clients;
        const ids = Array.from({ length: count }, (_, i) => nextId + i);
        nextId += count;
        // The same users each round (distinct from the warm-up's), as new devices without a cursor.
        await s.clients(ids.map((id, i) => ({ id, userId: `u${p.warmup + i}`, deviceId: `storm-${r}-${i}` })));
        await sleep(300);
        s.markCpu();
        const c = await s.connect({ ids, concurrency: p.concurrency });
        const cpu = s.cpu();
        if (r < 0) {
          ctx.log(`  warm-up round: ${c.perSecond}/s, failed ${c.failed}`);
          await s.pool.all('closeAll', (wi) => ({ ids: ids.filter((id) => s.placement.get(id) === wi) }));
          await sleep(1000);
          continue;
        }
        rounds.push({ ...c, cpu, serverCpuUsPerConnect: cpuPerOp(cpu, c.ok) });
        ctx.log(`  round ${r + 1}: ${c.perSecond}/s p50 ${c.latency.p50} p99 ${c.latency.p99} ms, failed ${c.failed} ${c.failed ? JSON.stringify(c.errors) : ''} (server ${cpu.serverCores} cores, other ${cpu.otherCores})`);
        if (r === 0) {
          await sleep(1000);
          memAfter = await target.memory();
        }
        if (r + 1 < p.rounds) {
          await s.pool.all('closeAll', (wi) => ({ ids: ids.filter((id) => s.placement.get(id) === wi) }));
          await sleep(1000);
        }
      }
      const sorted = [...rounds].sort((a, b) => (a.perSecond ?? 0) - (b.perSecond ?? 0));
      const median = sorted[Math.floor(sorted.length / 2)];
      const idle = idleFigures(mem0, memAfter, rounds[0].ok);
      return { ...median, rounds, idle: { connections: p.warmup + rounds[0].ok, ...idle } };
    } finally {
      await s.stop();
    }
  },
};

/** Server memory per added connection, in KiB. */
export function idleFigures(/** @type {any} */ m0, /** @type {any} */ m1, /** @type {number} */ added) {
  const kib = (/** @type {number | null} */ a, /** @type {number | null} */ b) => (a === null || b === null || !added ? null : Math.round(((b - a) / added / 1024) * 100) / 100);
  return {
    rssPerConnKiB: kib(m0.rss, m1.rss),
    heapPerConnKiB: kib(m0.heapUsed, m1.heapUsed),
    rssBefore: m0.rss,
    rssAfter: m1.rss,
    heapBefore: m0.heapUsed,
    heapAfter: m1.heapUsed,
    fdsAfter: m1.fds,
  };
}
