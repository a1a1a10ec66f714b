import { open, type FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics.js';

/** The value of an unlabelled series in Prometheus text. */
function valueOf(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('metrics registry', () => {
  it('has no series that list every open handle on a scrape', async () => {
    const text = await createMetricsRegistry().metrics();
    expect(text).not.toContain('nodejs_active_handles');
    expect(text).not.toContain('nodejs_active_resources');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it.runIf(process.platform === 'linux')('counts open file descriptors, read off the main thread', async () => {
    const registry = createMetricsRegistry();
    const before = valueOf(await registry.metrics(), 'process_open_fds');
    expect(before).toBeGreaterThan(2);
    const files: FileHandle[] = await Promise.all(Array.from({ length: 20 }, () => open('/dev/null')));
    try {
      // Other tests' descriptors come and go in this process: at least most of these 20 show.
      expect(valueOf(await registry.metrics(), 'process_open_fds')).toBeGreaterThanOrEqual((before ?? 0) + 15);
    } finally {
      await Promise.all(files.map((f) => f.close()));
    }
  });
});
