import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

describe('InFlight', () => {
  it('runs up to the bound, queues up to the waiting bound, refuses past both', () => {
    const bound = new InFlight<string>(2, 1);
    expect(['a', 'b', 'c', 'd'].map((x) => bound.offer(x))).toEqual(['run', 'run', 'wait', 'refuse']);
  });

  it('hands the waiting items over in order as running ones finish, then frees the slots', () => {
    const bound = new InFlight<string>(1, 2);
    bound.offer('a');
    bound.offer('b');
    bound.offer('c');
    expect(bound.finished()).toBe('b');
    expect(bound.finished()).toBe('c');
    expect(bound.finished()).toBeUndefined();
    expect(bound.offer('d')).toBe('run');
    expect(bound.offer('e')).toBe('wait');
  });
});
