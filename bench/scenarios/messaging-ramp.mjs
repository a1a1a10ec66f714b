// 1:1 messaging ramp: pairs of clients (sender and recipient in the same load process, so one clock
// times both ends), an open-loop offered rate raised step by step until the system saturates, then
// one step at half of the best delivered rate. Latency is end to end: send → the message in the
// recipient's hands (Parley: in its pullMsg answer after the s_ntf). Parley stores every message
// durably (SQLite, synchronous=FULL) before its PUBACK; the relays store nothing; Mosquitto QoS 1
// keeps messages in memory.
import { cpuPerOp, mergeCollects, now, round, session, sleep } from '../lib/harness.mjs';

export default {
  name: 'messaging-ramp',
  title: '1:1 messaging ramp',
  targets: ['ws', 'socketio', 'mosquitto', 'rabbitmq', 'jetstream', 'parley', 'parley-native'],
  /** @param {boolean} quick */
  params: (quick) =>
    quick
      ? { pairs: 100, workers: 2, stepMs: 2000, warmupMs: 500, drainMs: 1000, startRate: 4000, factor: 2, maxSteps: 5, maxOutstanding: 100 }
      : { pairs: 200, workers: 2, stepMs: 6000, warmupMs: 1000, drainMs: 3000, startRate: 1000, factor: 1.5, maxSteps: 12, maxOutstanding: 100 },
  users: (/** @type {any} */ p) => 2 * p.pairs,

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const s = await session(target, { workers: p.workers });
    try {
      await connectPairs(s, p);
      const step = rampStepper(s, p, ctx);
      const { steps, best } = await rampUp(step, p);
      const maxRate = best.deliveredRate;
      await sleep(500);
      const half = await step(maxRate / 2, 'half');
      /** @type {any} */
      const extra = {};
      // Parley's bar: p99 at half of Socket.IO's rate, measured in this same run.
      const sio = ctx.results['messaging-ramp']?.socketio?.maxRate;
      if (target.name === 'parley' && sio && Math.abs(sio / 2 - maxRate / 2) > 0.1 * (maxRate / 2)) {
        await sleep(500);
        extra.halfSocketIo = await step(sio / 2, 'half-sio');
      }
      return { maxRate, serverCpuUsPerMessage: best.serverCpuUsPerMessage, steps, half, ...extra };
    } finally {
      await s.stop();
    }
  },
};

/**
 * Creates and connects `p.pairs` sender→recipient pairs: sender i → recipient pairs + i, both in
 * worker i % workers. `specOf(i)` adds fields to client i's spec (a cluster node's gateway URL).
 * @param {any} s a session
 * @param {{pairs: number, workers: number}} p
 * @param {(i: number) => object} [specOf]
 */
export async function connectPairs(s, p, specOf = () => ({})) {
  const specs = Array.from({ length: 2 * p.pairs }, (_, i) => ({ id: i, userId: `u${i}`, ...specOf(i) }));
  await s.clients(specs, (i) => (i % p.pairs) % p.workers);
  const c = await s.connect({ concurrency: 32, retries: 2 });
  if (c.failed) throw new Error(`${c.failed} clients failed to connect: ${JSON.stringify(c.errors)}`);
}

/**
 * One open-loop step of the pairs made by connectPairs(): `rate` msgs/s offered for p.stepMs, then
 * a bounded drain; delivered rate, end-to-end latency, CPU (and the server's event-loop delay).
 * @param {any} s a session
 * @param {any} p the scenario's parameters
 * @param {any} ctx
 * @returns {(rate: number, label: string) => Promise<any>}
 */
export function rampStepper(s, p, ctx) {
  const target = s.target;
  const sendersOf = (/** @type {number} */ w) =>
    Array.from({ length: p.pairs }, (_, i) => i).filter((i) => i % p.workers === w).map((i) => [i, 'user', `u${p.pairs + i}`]);
  return async (rate, label) => {
    const tag = `ramp-${target.name}-${label}-${rate}`;
    const startAt = now() + 200;
    const from = startAt + p.warmupMs;
    const to = startAt + p.stepMs;
    await s.pool.all('record', { tag, from, to });
    await target.loopDelay();
    s.markCpu();
    const loads = await s.pool.all('load', (/** @type {number} */ w) => ({ tag, rate: rate / p.workers, durationMs: p.stepMs, maxOutstanding: p.maxOutstanding, senders: sendersOf(w), startAt }));
    const cpu = s.cpu();
    const loop = await target.loopDelay();
    const sent = loads.reduce((n, l) => n + l.sent, 0);
    const acked = loads.reduce((n, l) => n + l.acked, 0);
    // Bounded drain: until every acked message arrived, or drainMs passed.
    const drainEnd = now() + p.drainMs;
    let got = mergeCollects(await s.pool.all('collect'));
    while (got.count < acked && now() < drainEnd) {
      await sleep(100);
      got = mergeCollects(await s.pool.all('collect'));
    }
    const offered = loads.reduce((n, l) => n + l.offered, 0);
    const shed = loads.reduce((n, l) => n + l.shed, 0);
    const delivered = Math.round(got.inWindow / ((to - from) / 1000));
    const lat = got.hist.summary();
    const r = {
      label,
      offeredRate: Math.round(rate),
      deliveredRate: delivered,
      offered,
      sent,
      acked,
      refused: loads.reduce((n, l) => n + l.refused, 0),
      shed,
      received: got.count,
      undelivered: Math.max(0, acked - got.count),
      latency: lat,
      cpu,
      serverCpuUsPerMessage: cpuPerOp(cpu, acked),
      eventLoopDelay: loop,
    };
    ctx.log(`  ${label} ${Math.round(rate)}/s → ${delivered}/s delivered, p50 ${lat.p50} p99 ${lat.p99} ms, shed ${shed}, undelivered ${r.undelivered} (cores: server ${cpu.serverCores}, bench ${cpu.benchCores}, other ${cpu.otherCores}${loop ? `; event loop delay p99 ${loop.p99} max ${loop.max} ms` : ''})`);
    return r;
  };
}

/**
 * Raises the offered rate from p.startRate by p.factor (at most p.maxSteps steps) until delivery
 * falls below 90 % of the offer, p99 passes 1 s or more than 5 % of sends are shed.
 * @param {(rate: number, label: string) => Promise<any>} step
 * @param {{startRate: number, factor: number, maxSteps: number}} p
 */
export async function rampUp(step, p) {
  const steps = [];
  let rate = p.startRate;
  for (let i = 0; i < p.maxSteps; i++) {
    const r = await step(rate, 'ramp');
    steps.push(r);
    const saturated = r.deliveredRate < 0.9 * rate || (r.latency.p99 ?? 0) > 1000 || r.shed > 0.05 * r.offered;
    if (saturated) break;
    rate *= p.factor;
    await sleep(300);
  }
  const best = steps.reduce((a, b) => (b.deliveredRate > a.deliveredRate ? b : a));
  return { steps, best };
}

export { round };
