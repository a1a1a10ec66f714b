// Group fan-out: groups of 10, 100 and 1,000 members (about 1,000 members connected in all), one
// sender per group sending with a window of unacked messages. Each message reaches every other
// member: deliveries/s, end-to-end latency per delivery, and lost deliveries. Parley stores each
// message once plus an inbox entry per member before the PUBACK, then every member pulls.
import { collectUntilSettled, cpuPerOp, now, round, session, sleep } from '../lib/harness.mjs';

export default {
  name: 'group-fanout',
  title: 'Group fan-out',
  targets: ['ws', 'socketio', 'mosquitto', 'rabbitmq', 'jetstream', 'parley'],
  /** @param {boolean} quick */
  params: (quick) =>
    quick
      ? { sizes: [100], members: 500, deliveries: 20_000, window: 16, workers: 2, timeoutMs: 60_000 }
      : { sizes: [10, 100, 1000], members: 1000, deliveries: 100_000, window: 16, workers: 4, timeoutMs: 90_000 },
  users: (/** @type {any} */ p) => Math.max(p.members, ...p.sizes),

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const s = await session(target, { workers: p.workers });
    const runTag = Math.random().toString(36).slice(2, 7);
    try {
      const bySize = [];
      let nextId = 0;
      for (const size of p.sizes) {
        const groupCount = Math.max(1, Math.round(p.members / size));
        const perSender = Math.ceil(p.deliveries / (groupCount * (size - 1)));
        const groups = Array.from({ length: groupCount }, (_, g) => ({
          id: `g${size}-${g}-${runTag}`,
          members: Array.from({ length: size }, (_, m) => `u${g * size + m}`),
        }));
        const { clientJoins } = await target.createGroups(groups);
        const base = nextId;
        const specs = groups.flatMap((g, gi) => g.members.map((userId, m) => ({ id: base + gi * size + m, userId, deviceId: `fan-${runTag}-${size}-${userId}` })));
        nextId += specs.length;
        await s.clients(specs);
        const ids = specs.map((x) => x.id);
        const c = await s.connect({ ids, concurrency: 32, retries: 2 });
        if (c.failed) throw new Error(`${c.failed} clients failed to connect: ${JSON.stringify(c.errors)}`);
        if (clientJoins) {
          // A broker's group sender (member 0) does not subscribe (MQTT), bind its queue (AMQP) or
          // consume the group's subject (JetStream), or the broker would deliver its own message back.
          const memberships = groups.flatMap((g, gi) =>
            g.members.map((_, m) => [base + gi * size + m, g.id]).filter(([, ], m) => !(target.kind === 'broker' && m === 0)),
          );
          await s.pool.all('join', (w) => ({ memberships: memberships.filter(([id]) => s.placement.get(/** @type {number} */ (id)) === w) }));
        }
        await sleep(500);
        const tag = `fan-${target.name}-${size}-${runTag}`;
        await s.pool.all('record', { tag });
        const senderIds = groups.map((_, gi) => base + gi * size);
        await target.loopDelay();
        s.markCpu();
        const t0 = now();
        const bursts = await s.pool.all('burst', (w) => ({
          tag,
          window: p.window,
          timeoutMs: p.timeoutMs,
          senders: senderIds.filter((id) => s.placement.get(id) === w).map((id) => [id, 'group', groups[(id - base) / size].id, perSender]),
        }));
        const acked = bursts.reduce((n, b) => n + b.acked, 0);
        const expected = acked * (size - 1);
        const got = await collectUntilSettled(s.pool, expected, p.timeoutMs);
        const cpu = s.cpu();
        const loop = await target.loopDelay();
        const seconds = (got.last - t0) / 1000;
        const r = {
          size,
          groups: groupCount,
          messages: acked,
          expected,
          delivered: got.count,
          lost: Math.max(0, expected - got.count),
          deliveriesPerSecond: seconds > 0 ? Math.round(got.count / seconds) : null,
          messagesPerSecond: seconds > 0 ? Math.round(acked / seconds) : null,
          seconds: round(seconds, 3),
          latency: got.hist.summary(),
          cpu,
          serverCpuUsPerDelivery: cpuPerOp(cpu, got.count),
          eventLoopDelay: loop,
        };
        ctx.log(`  groups of ${size} (${groupCount}×, ${acked} msgs): ${r.deliveriesPerSecond} deliveries/s, p50 ${r.latency.p50} p99 ${r.latency.p99} ms, lost ${r.lost} (server ${cpu.serverCores} cores, other ${cpu.otherCores})`);
        bySize.push(r);
        await s.pool.all('closeAll', (w) => ({ ids: ids.filter((id) => s.placement.get(id) === w) }));
        await sleep(1000);
      }
      return { bySize };
    } finally {
      await s.stop();
    }
  },
};
