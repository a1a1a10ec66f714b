// Preloaded into every measured server process (`node --expose-gc --import bench/lib/probe.mjs ...`):
// answers the runner's questions over the IPC channel — memory after a full garbage collection, and
// event-loop delay since the last question — so Parley and the peers are measured the same way.
// Its only standing cost is libuv's event-loop-delay sampler (a 5 ms timer); a scenario may turn on a
// second one, the busy sampler below.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

if (typeof process.send === 'function') {
  // How long the event loop stalls: sampled every 5 ms by libuv, read and reset on request.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // On a shared machine a late turn of the loop is either work (the loop was busy) or a wait for a
  // core. Once asked ('busy-on'), a 5 ms timer notes the process's CPU time between two of its
  // turns: the most of it is the longest stretch of work, which a wait for a core does not inflate
  // (it counts every thread: GC helpers and the server's own threads add to it).
  let busy = /** @type {{ cpu: NodeJS.CpuUsage, maxCpuMs: number } | undefined} */ (undefined);
  const noteBusy = () => {
    if (!busy) return;
    const cpu = process.cpuUsage();
    busy.maxCpuMs = Math.max(busy.maxCpuMs, (cpu.user - busy.cpu.user + cpu.system - busy.cpu.system) / 1000);
    busy.cpu = cpu;
  };
  process.on('message', (/** @type {any} */ message) => {
    if (message?.probe === 'busy-on') {
      if (!busy) setInterval(noteBusy, 5).unref();
      busy = { cpu: process.cpuUsage(), maxCpuMs: 0 };
      process.send?.({ probe: 'busy-on', id: message.id });
      return;
    }
    if (message?.probe === 'loop') {
      const ms = (/** @type {number} */ ns) => Math.round(ns / 1e4) / 100;
      noteBusy();
      const busiest = busy ? { busyCpuMax: Math.round(busy.maxCpuMs * 100) / 100 } : {};
      if (busy) busy.maxCpuMs = 0;
      process.send?.({ probe: 'loop', id: message.id, p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean), ...busiest });
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
