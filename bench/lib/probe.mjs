// Preloaded into every measured server process (`node --expose-gc --import bench/lib/probe.mjs ...`):
// answers the runner's questions over the IPC channel — memory after a full garbage collection, and
// event-loop delay since the last question — so Parley and the peers are measured the same way.
// Its only standing cost is libuv's event-loop-delay sampler (a 5 ms timer).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

if (typeof process.send === 'function') {
  // How long the event loop stalls: sampled every 5 ms by libuv, read and reset on request.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on('message', (/** @type {any} */ message) => {
    if (message?.probe === 'loop') {
      const ms = (/** @type {number} */ ns) => Math.round(ns / 1e4) / 100;
      process.send?.({ probe: 'loop', id: message.id, p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) });
      loop.reset();
      return;
    }
    if (message?.probe === 'mem') {
      const gc = /** @type {any} */ (globalThis).gc;
      if (typeof gc === 'function') {
        gc();
        gc();
      }
      const m = process.memoryUsage();
      const h = getHeapStatistics();
      process.send?.({ probe: 'mem', id: message.id, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, totalHeap: h.total_heap_size });
    }
  });
  // The channel must not keep a server alive after it was asked to stop.
  process.channel?.unref();
}
