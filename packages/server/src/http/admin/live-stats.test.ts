import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveStats } from './live-stats.js';

afterEach(() => {
  vi.useRealTimers();
});

function metrics() {
  const registry = new Registry();
  const connections = new Gauge({ name: 'parley_gateway_connections', help: 'h', registers: [registry] });
  const connects = new Counter({ name: 'parley_gateway_connects_total', help: 'h', labelNames: ['result'], registers: [registry] });
  const messages = new Counter({ name: 'parley_messages_total', help: 'h', labelNames: ['type'], registers: [registry] });
  return { registry, connections, connects, messages };
}

describe('LiveStats', () => {
  it('turns counters into per-second rates at each sample and keeps only the window', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const m = metrics();
    const stats = new LiveStats(m.registry, { intervalMs: 5000, windowMs: 15_000 });
    stats.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(stats.series()).toEqual([]);

    m.connections.set(3);
    m.connects.inc({ result: 'accepted' }, 10);
    m.connects.inc({ result: 'token-incorrect' }, 50);
    m.messages.inc({ type: 'private' }, 20);
    m.messages.inc({ type: 'group' }, 5);
    await vi.advanceTimersByTimeAsync(5000);
    // Refused connects are not connects; both message types count.
    expect(stats.series()).toEqual([{ at: 1_005_000, connections: 3, connectsPerSecond: 2, messagesPerSecond: 5 }]);

    m.connections.set(7);
    expect(await stats.current()).toEqual({ at: 1_005_000, connections: 7, connectsPerSecond: 2, messagesPerSecond: 5 });

    await vi.advanceTimersByTimeAsync(20_000);
    const series = stats.series();
    expect(series.map((s) => s.at)).toEqual([1_010_000, 1_015_000, 1_020_000, 1_025_000]);
    expect(series.at(-1)).toMatchObject({ connections: 7, connectsPerSecond: 0, messagesPerSecond: 0 });
    stats.stop();
  });

  it('reads 0 for metrics that are not registered yet', async () => {
    const stats = new LiveStats(new Registry());
    expect(await stats.current()).toMatchObject({ connections: 0, connectsPerSecond: 0, messagesPerSecond: 0 });
  });
});
