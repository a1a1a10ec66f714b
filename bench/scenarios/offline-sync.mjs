// Offline sync: 10,000 messages queued for one offline user, who then reconnects: time from the
// socket's creation until the last message is in its hands. Parley: the client pulls from its
// kept cursor, 200 per page. Mosquitto: a persistent session (clean=false, QoS 1) holds them;
// its default max_queued_messages (1,000, Debian config untouched) bounds what it keeps. RabbitMQ:
// the user's durable queue holds them (consumed with a prefetch of 100, each acked); JetStream: the
// stream holds them and the user's durable consumer resumes where it was. The relays store
// nothing, so there is nothing for them to sync.
import { mergeCollects, now, round, session, sleep } from '../lib/harness.mjs';

export default {
  name: 'offline-sync',
  title: 'Offline sync',
  targets: ['mosquitto', 'rabbitmq', 'jetstream', 'parley'],
  quickTargets: ['parley'],
  /** @param {boolean} quick */
  params: () => ({ messages: 10_000, window: 64, workers: 2, timeoutMs: 60_000 }),
  users: () => 2,

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const s = await session(target, { workers: p.workers });
    const clientId = `bench-offline-${Math.random().toString(36).slice(2, 7)}`;
    const recipient = { userId: 'u0', clientId, clean: false };
    try {
      // The recipient has been online once (Parley: its cursor; MQTT: its persistent session).
      await s.clients([{ id: 0, ...recipient }], () => 0);
      await s.connect({ ids: [0] });
      const [cursor] = (await s.pool.call(0, 'cursor', { ids: [0] })).cursors;
      await s.pool.call(0, 'closeAll', { ids: [0] });
      await sleep(500);
      // Queue: the sender sends everything while the recipient is away.
      await s.clients([{ id: 1, userId: 'u1' }], () => 1);
      await s.connect({ ids: [1] });
      const tag = `offline-${target.name}-${clientId}`;
      const t0 = now();
      const burst = await s.pool.call(1, 'burst', { tag, window: p.window, timeoutMs: p.timeoutMs, senders: [[1, 'user', 'u0', p.messages]] });
      const queueSeconds = round((now() - t0) / 1000, 2);
      ctx.log(`  queued ${burst.acked}/${p.messages} in ${queueSeconds} s`);
      await sleep(1000);
      // Reconnect and time the sync.
      await s.pool.call(0, 'record', { tag, keys: true });
      await s.clients([{ id: 2, ...recipient, cursor, subscribeInbox: false }], () => 0);
      s.markCpu();
      const r = await s.pool.call(0, 'syncTimed', { id: 2, expect: burst.acked, timeoutMs: p.timeoutMs, quietMs: 3000 });
      const cpu = s.cpu();
      const got = mergeCollects([await s.pool.call(0, 'collect')]);
      const unique = new Set(got.keys).size;
      const result = {
        queued: burst.acked,
        delivered: unique,
        duplicates: got.count - unique,
        seconds: r.count > 0 ? round((r.last - r.start) / 1000, 3) : null,
        connectMs: round(r.connectedAt - r.start, 1),
        queueSeconds,
        cpu,
      };
      ctx.log(`  synced ${unique}/${burst.acked} in ${result.seconds} s (connect ${result.connectMs} ms)`);
      if (target.protocol === 'mqtt') {
        // Leave no persistent session behind on the shared broker.
        await s.pool.call(0, 'closeAll', { ids: [2] });
        await s.clients([{ id: 3, userId: 'u0', clientId, clean: true, subscribeInbox: false }], () => 0);
        await s.connect({ ids: [3] });
      }
      return result;
    } finally {
      await s.stop();
    }
  },
};
