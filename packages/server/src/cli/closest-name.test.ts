import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from './closest-name.js';

const flags = ['port', 'host', 'data-dir', 'database-url', 'redis-url', 'retention-days', 'max-connections', 'max-connections-per-ip', 'tls-cert', 'tls-key'];

describe('the closest known flag', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('port', 'port')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('names the flag a typo most likely meant', () => {
    expect(closestName('prot', flags)).toBe('port');
    expect(closestName('hots', flags)).toBe('host');
    expect(closestName('databse-url', flags)).toBe('database-url');
    expect(closestName('data-dri', flags)).toBe('data-dir');
    expect(closestName('redis-ulr', flags)).toBe('redis-url');
  });

  it('completes a flag the input begins, the shortest first', () => {
    expect(closestName('retention', flags)).toBe('retention-days');
    expect(closestName('max-conn', flags)).toBe('max-connections');
    expect(closestName('tls', flags)).toBe('tls-key');
  });

  it('names nothing when no flag is close', () => {
    expect(closestName('verbose', flags)).toBeUndefined();
    expect(closestName('x', flags)).toBeUndefined();
    expect(closestName('', flags)).toBeUndefined();
    expect(didYouMean('frobnicate', flags)).toBe('');
  });

  it('phrases the suggestion for an error message', () => {
    expect(`unknown option --prot${didYouMean('prot', flags, (name) => `--${name}`)}`).toBe('unknown option --prot; did you mean --port?');
  });
});
