// Reconnect storm: N connected clients, a steady trickle of 1:1 messages, then the server is killed
// (SIGKILL) and started again at once. Clients reconnect on @parley/client's schedule (0.05, 0.25,
// 0.5, 1, 2, 4, 8 s …, ±20% jitter), so the crowd comes back in waves, as real SDKs would. Reported: time from the kill until every
// client is connected again, and messages lost: acknowledged to the sender but never delivered.
// A Parley client pulls from its kept cursor after reconnecting; the relays can only deliver to
// whoever is online (they ack a send as undelivered when the recipient is not), so a relay "loses"
// what was in flight at the kill. Mosquitto is the machine's shared broker: not restarted here.
import { mergeCollects, now, round, session, sleep } from '../lib/harness.mjs';

export default {
  name: 'reconnect-storm',
  title: 'Reconnect storm',
  targets: ['ws', 'socketio', 'parley'],
  quickTargets: ['parley'],
  /** @param {boolean} quick */
  params: (quick) =>
    quick
      ? { clients: 2000, pairs: 100, rate: 200, loadMs: 10_000, killAfterMs: 3000, workers: 2, timeoutMs: 60_000 }
      : { clients: 19_500, pairs: 200, rate: 400, loadMs: 30_000, killAfterMs: 4000, workers: 4, timeoutMs: 90_000 },
  users: (/** @type {any} */ p) => p.clients,

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const total = Math.min(p.clients, target.maxConnections);
    const s = await session(target, { workers: p.workers });
    try {
      await s.clients(Array.from({ length: total }, (_, i) => ({ id: i, userId: `u${i}` })));
      const c = await s.connect({ concurrency: 64, retries: 3 });
      ctx.log(`  connected ${c.ok}/${total} at ${c.perSecond}/s`);
      if (c.failed) throw new Error(`${c.failed} clients failed to connect: ${JSON.stringify(c.errors)}`);
      const tag = `reconnect-${target.name}-${Math.random().toString(36).slice(2, 7)}`;
      await s.pool.all('record', { tag, keys: true });
      await s.pool.all('reconnectOn');
      const sendersOf = (/** @type {number} */ w) =>
        Array.from({ length: p.pairs }, (_, i) => i).filter((i) => s.placement.get(i) === w).map((i) => [i, 'user', `u${p.pairs + i}`]);
      const startAt = now() + 200;
      const loads = s.pool.all('load', (w) => ({ tag, rate: (p.rate * sendersOf(w).length) / p.pairs, durationMs: p.loadMs, maxOutstanding: 50, senders: sendersOf(w), startAt, keys: true }), p.loadMs + 60_000);
      await sleep(startAt + p.killAfterMs - now());
      s.markCpu();
      const { killedAt, upAt } = await target.restart();
      ctx.log(`  killed; server accepting again after ${round((upAt - killedAt) / 1000, 2)} s`);
      // Poll (bounded) until every client is back.
      const deadline = now() + p.timeoutMs;
      let stats;
      for (;;) {
        const rs = await s.pool.all('reconnectStats');
        stats = {
          connected: rs.reduce((n, r) => n + r.connected, 0),
          back: rs.reduce((n, r) => n + r.back, 0),
          down: rs.reduce((n, r) => n + r.down, 0),
          lastBackAt: Math.max(...rs.map((r) => r.lastBackAt)),
          attempts: rs.reduce((n, r) => n + r.attempts, 0),
          failures: rs.reduce((acc, r) => {
            for (const [k, v] of Object.entries(r.failures)) acc[k] = (acc[k] ?? 0) + /** @type {number} */ (v);
            return acc;
          }, /** @type {Record<string, number>} */ ({})),
        };
        if ((stats.connected === total && stats.down > 0) || now() > deadline) break;
        await sleep(200);
      }
      const cpu = s.cpu();
      const backSeconds = stats.connected === total ? round((stats.lastBackAt - killedAt) / 1000, 2) : null;
      ctx.log(`  ${stats.connected}/${total} back after ${backSeconds} s (${stats.attempts} attempts ${JSON.stringify(stats.failures)})`);
      const loadResults = await loads;
      await s.pool.all('reconnectOff');
      // Drain (bounded): until nothing new arrives for 2 s.
      let got = mergeCollects(await s.pool.all('collect'));
      let last = got.count;
      let quietSince = now();
      const drainEnd = now() + 30_000;
      while (now() < drainEnd && now() - quietSince < 2000) {
        await sleep(200);
        got = mergeCollects(await s.pool.all('collect'));
        if (got.count !== last) {
          last = got.count;
          quietSince = now();
        }
      }
      const ackedKeys = loadResults.flatMap((l) => l.ackedKeys ?? []);
      const received = new Set(got.keys);
      const lost = ackedKeys.filter((k) => !received.has(k));
      const r = {
        clients: total,
        back: stats.connected,
        backSeconds,
        restartSeconds: round((upAt - killedAt) / 1000, 2),
        attempts: stats.attempts,
        failures: stats.failures,
        sent: loadResults.reduce((n, l) => n + l.sent, 0),
        acked: ackedKeys.length,
        refusedOrUnacked: loadResults.reduce((n, l) => n + l.refused + l.unacked, 0),
        shed: loadResults.reduce((n, l) => n + l.shed, 0),
        received: got.count,
        duplicates: got.keys.length - received.size,
        lost: lost.length,
        lostSample: lost.slice(0, 5),
        cpu,
      };
      ctx.log(`  messages: ${r.acked} acked, ${r.received} received, lost ${r.lost}, duplicates ${r.duplicates}`);
      return r;
    } finally {
      await s.stop();
    }
  },
};
