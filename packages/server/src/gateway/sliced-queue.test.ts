import { describe, expect, it } from 'vitest';
import { manualTurns } from '../../test/support/manual-turns.js';
import { SlicedQueue } from './sliced-queue.js';

describe('SlicedQueue', () => {
  it('handles at most a slice per turn, in arrival order, each item once', () => {
    const turns = manualTurns();
    const handled: number[] = [];
    const queue = new SlicedQueue<number>((n) => handled.push(n), () => undefined, 3, turns.schedule);
    for (let i = 0; i < 8; i++) queue.push(i);
    expect(handled).toEqual([]);
    expect(turns.waiting).toBe(1);
    turns.turn();
    expect(handled).toEqual([0, 1, 2]);
    turns.turn();
    expect(handled).toEqual([0, 1, 2, 3, 4, 5]);
    turns.turn();
    expect(handled).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(queue.pending).toBe(0);
    expect(turns.waiting).toBe(0);
  });

  it('takes items pushed while a slice runs into a later slice', () => {
    const turns = manualTurns();
    const handled: string[] = [];
    const queue: SlicedQueue<string> = new SlicedQueue<string>(
      (item) => {
        handled.push(item);
        if (item === 'a') queue.push('c');
      },
      () => undefined,
      2,
      turns.schedule,
    );
    queue.push('a');
    queue.push('b');
    turns.turn();
    expect(handled).toEqual(['a', 'b']);
    expect(queue.pending).toBe(1);
    turns.turn();
    expect(handled).toEqual(['a', 'b', 'c']);
  });

  it('reports an item that throws and goes on with the rest', () => {
    const turns = manualTurns();
    const handled: number[] = [];
    const failed: [unknown, number][] = [];
    const queue = new SlicedQueue<number>(
      (n) => {
        if (n === 1) throw new Error('bad item');
        handled.push(n);
      },
      (error, n) => failed.push([error, n]),
      10,
      turns.schedule,
    );
    for (const n of [0, 1, 2]) queue.push(n);
    turns.turn();
    expect(handled).toEqual([0, 2]);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.[1]).toBe(1);
    expect((failed[0]?.[0] as Error).message).toBe('bad item');
  });

  it('resolves drained() once everything pushed so far is done, at once when idle', async () => {
    const turns = manualTurns();
    const queue = new SlicedQueue<number>(() => undefined, () => undefined, 2, turns.schedule);
    await queue.drained();
    for (let i = 0; i < 5; i++) queue.push(i);
    let drained = false;
    void queue.drained().then(() => (drained = true));
    turns.turn();
    turns.turn();
    await Promise.resolve();
    expect(drained).toBe(false);
    turns.turn();
    await Promise.resolve();
    expect(drained).toBe(true);
  });

  it('starts again after running dry', () => {
    const turns = manualTurns();
    const handled: number[] = [];
    const queue = new SlicedQueue<number>((n) => handled.push(n), () => undefined, 2, turns.schedule);
    queue.push(1);
    turns.turn();
    queue.push(2);
    expect(turns.waiting).toBe(1);
    turns.turn();
    expect(handled).toEqual([1, 2]);
  });

  it('refuses a slice size that would never make progress', () => {
    expect(() => new SlicedQueue<number>(() => undefined, () => undefined, 0)).toThrow(RangeError);
  });

  it('turns on the real event loop with its default scheduler', async () => {
    const handled: number[] = [];
    const queue = new SlicedQueue<number>((n) => handled.push(n), () => undefined, 100);
    for (let i = 0; i < 250; i++) queue.push(i);
    expect(handled).toHaveLength(0);
    await queue.drained();
    expect(handled).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });
});
