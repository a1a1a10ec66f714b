import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { startRetention } from './retention.js';

const DAY = 86_400_000;

describe('retention sweep', () => {
  it('purges expired messages in batches, then the clears and read positions that marked only purged messages', async () => {
    const calls: string[] = [];
    const batches = (name: string, counts: number[]) => async (instant: number, limit: number) => {
      calls.push(`${name} ${instant} ${limit}`);
      return counts.shift() ?? 0;
    };
    const store = {
      messages: { purgeBefore: batches('messages', [1000, 7]) },
      deletions: { purgeClears: batches('clears', [1000, 1000, 2]) },
      reads: { purgeBefore: batches('positions', [3]) },
    } as unknown as Store;
    const retention = startRetention(store, pino({ level: 'silent' }), 7, () => 10 * DAY);
    try {
      expect(await retention.sweep()).toBe(1007);
    } finally {
      retention.stop();
    }
    const cutoff = 3 * DAY;
    expect(calls).toEqual([
      `messages ${cutoff} 1000`,
      `messages ${cutoff} 1000`,
      `clears ${cutoff} 1000`,
      `clears ${cutoff} 1000`,
      `clears ${cutoff} 1000`,
      `positions ${cutoff} 1000`,
    ]);
  });
});
