import { describe, expect, it } from 'vitest';
import { prefixWithin } from './page-budget.js';

describe('prefixWithin', () => {
  const size = (n: number) => n;

  it('keeps items while their sizes fit the budget', () => {
    expect(prefixWithin([3, 3, 3, 3], size, 9)).toEqual([3, 3, 3]);
    expect(prefixWithin([3, 3, 3, 3], size, 8)).toEqual([3, 3]);
    expect(prefixWithin([1, 2], size, 100)).toEqual([1, 2]);
    expect(prefixWithin([], size, 1)).toEqual([]);
  });

  it('always keeps the first item, however large, so paging moves on', () => {
    expect(prefixWithin([50, 1], size, 10)).toEqual([50]);
  });
});
