// Idle density: as many idle, authenticated connections as one process may hold here (each process
// is limited to 20,000 open files), then the server's memory per connection: RSS and V8 heap after
// a full GC, minus a baseline taken with a warm-up set connected. 20k, 50k and 100k need several
// processes on this machine: cluster-scale measures them.
import { session, sleep } from '../lib/harness.mjs';
import { idleFigures } from './connect-storm.mjs';

export default {
  name: 'idle-density',
  title: 'Idle density',
  targets: ['ws', 'socketio', 'mosquitto', 'rabbitmq', 'jetstream', 'parley'],
  /** @param {boolean} quick */
  params: (quick) => ({ clients: quick ? 5000 : 19_500, warmup: 500, workers: 4, concurrency: 64, holdMs: quick ? 2000 : 5000 }),
  users: (/** @type {any} */ p) => p.clients,

  /** @param {any} target @param {any} p @param {any} ctx */
  async run(target, p, ctx) {
    const total = Math.min(p.clients, target.maxConnections);
    const s = await session(target, { workers: p.workers });
    try {
      await s.clients(Array.from({ length: total }, (_, i) => ({ id: i, userId: `u${i}` })));
      const warm = Array.from({ length: p.warmup }, (_, i) => i);
      await s.connect({ ids: warm, concurrency: p.concurrency, retries: 2 });
      await sleep(1000);
      const mem0 = await target.memory();
      const rest = Array.from({ length: total - p.warmup }, (_, i) => p.warmup + i);
      s.markCpu();
      const c = await s.connect({ ids: rest, concurrency: p.concurrency, retries: 3 });
      ctx.log(`  connected ${c.ok + p.warmup}/${total} at ${c.perSecond}/s, failed ${c.failed} ${c.failed ? JSON.stringify(c.errors) : ''}`);
      await sleep(p.holdMs);
      const mem1 = await target.memory();
      const held = (await s.pool.all('connectedCount')).reduce((n, r) => n + r.connected, 0);
      const idle = idleFigures(mem0, mem1, c.ok);
      ctx.log(`  held ${held}; ${idle.rssPerConnKiB} KiB RSS, ${idle.heapPerConnKiB} KiB heap per connection; server fds ${idle.fdsAfter}`);
      return { attempted: total, held, connectRate: c.perSecond, ...idle, cpu: s.cpu() };
    } finally {
      await s.stop();
    }
  },
};
