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

describe('WriteBatcher with several flushes in flight', () => {
  /** A flush that records its start and waits to be ordered and finished by the test. */
  function controlledStore() {
    const flushes: { items: number[]; ordered: () => void; finish: () => void }[] = [];
    const flush = (items: number[], ordered: () => void) =>
      new Promise<number[]>((resolve) => flushes.push({ items, ordered, finish: () => resolve(items) }));
    return { flushes, flush };
  }
  const turn = () => new Promise((r) => setImmediate(r));

  it('starts the next batch once the one before it is ordered, before that one completes', async () => {
    const { flushes, flush } = controlledStore();
    const batcher = new WriteBatcher<number, number>(flush, 2000, 3);
    const first = batcher.write(1);
    await turn();
    const second = batcher.write(2);
    await turn();
    expect(flushes.map((f) => f.items)).toEqual([[1]]);
    flushes[0]?.ordered();
    await turn();
    expect(flushes.map((f) => f.items)).toEqual([[1], [2]]);
    flushes[1]?.finish();
    expect(await second).toBe(2);
    flushes[0]?.finish();
    expect(await first).toBe(1);
  });

  it('orders each batch after the latest: an earlier batch finishing does not let the next one start', async () => {
    const { flushes, flush } = controlledStore();
    const batcher = new WriteBatcher<number, number>(flush, 2000, 3);
    const writes = [batcher.write(1)];
    await turn();
    flushes[0]?.ordered();
    writes.push(batcher.write(2));
    await turn();
    writes.push(batcher.write(3));
    await turn();
    flushes[0]?.finish();
    await writes[0];
    await turn();
    // Batch 2 is neither ordered nor done: batch 3 waits although batch 1 left.
    expect(flushes.map((f) => f.items)).toEqual([[1], [2]]);
    flushes[1]?.ordered();
    await turn();
    expect(flushes.map((f) => f.items)).toEqual([[1], [2], [3]]);
    flushes[2]?.finish();
    flushes[1]?.finish();
    expect(await Promise.all(writes)).toEqual([1, 2, 3]);
  });

  it('keeps at most maxInFlight batches under way, and idle() waits for all of them', async () => {
    const { flushes, flush } = controlledStore();
    const batcher = new WriteBatcher<number, number>(flush, 2000, 2);
    const writes = [batcher.write(1)];
    await turn();
    flushes[0]?.ordered();
    writes.push(batcher.write(2));
    await turn();
    flushes[1]?.ordered();
    writes.push(batcher.write(3));
    await turn();
    expect(flushes).toHaveLength(2);
    let idle = false;
    const idled = batcher.idle().then(() => (idle = true));
    flushes[0]?.finish();
    await writes[0];
    await turn();
    expect(flushes.map((f) => f.items)).toEqual([[1], [2], [3]]);
    flushes[1]?.finish();
    await writes[1];
    await turn();
    expect(idle).toBe(false);
    flushes[2]?.finish();
    await idled;
    expect(await Promise.all(writes)).toEqual([1, 2, 3]);
  });

  it('gives a store that never calls ordered one batch at a time', async () => {
    const { flushes, flush } = controlledStore();
    const batcher = new WriteBatcher<number, number>(flush, 2000, 3);
    const first = batcher.write(1);
    await turn();
    const second = batcher.write(2);
    await turn();
    expect(flushes).toHaveLength(1);
    flushes[0]?.finish();
    await first;
    await turn();
    expect(flushes.map((f) => f.items)).toEqual([[1], [2]]);
    flushes[1]?.finish();
    expect(await second).toBe(2);
  });
});
