import { describe, expect, it } from 'vitest';
import { WriteBatcher } from './write-batcher.js';

describe('WriteBatcher', () => {
  it('flushes writes of one event-loop turn together, in order, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const batcher = new WriteBatcher<number, string>(async (items) => {
      batches.push(items);
      return items.map((i) => `r${i}`);
    });
    const results = await Promise.all([1, 2, 3].map((i) => batcher.write(i)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await batcher.write(4)).toBe('r4');
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('gathers writes that arrive during a flush into the next one', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new WriteBatcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return items;
    });
    const first = batcher.write(1);
    await new Promise((r) => setImmediate(r));
    const later: Promise<number>[] = [];
    for (const i of [2, 3, 4]) {
      later.push(batcher.write(i));
      await new Promise((r) => setImmediate(r));
    }
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('splits large bursts and runs batches one after another', async () => {
    const order: string[] = [];
    const batcher = new WriteBatcher<number, number>(async (items) => {
      order.push(`start ${items[0]}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${items[0]}`);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.write(i)));
    expect(order).toEqual(['start 1', 'end 1', 'start 3', 'end 3', 'start 5', 'end 5']);
  });

  it('rejects every write of a failed batch and keeps serving later ones', async () => {
    let fail = true;
    const batcher = new WriteBatcher<number, number>(async (items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const failed = await Promise.allSettled([batcher.write(1), batcher.write(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.write(3)).toBe(3);
  });
});
