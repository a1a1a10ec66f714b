import { describe, expect, it } from 'vitest';
import { joinToken, navigationHostsOf, splitToken, tokenForGateway } from './token.js';

describe('tokens', () => {
  it('split at the first @', () => {
    expect(splitToken('abc@http://h:1')).toEqual({ opaque: 'abc', navigation: 'http://h:1' });
    expect(splitToken('abc@a@b')).toEqual({ opaque: 'abc', navigation: 'a@b' });
    expect(splitToken('abc@')).toEqual({ opaque: 'abc', navigation: '' });
    expect(splitToken('abc')).toEqual({ opaque: 'abc', navigation: undefined });
  });

  it('join back to what they were split from', () => {
    for (const token of ['abc@http://h:1', 'abc@', 'abc@a;b']) {
      const { opaque, navigation } = splitToken(token);
      expect(joinToken(opaque, navigation ?? '')).toBe(token);
    }
  });

  it('reach the gateway without the navigation part, keeping the @', () => {
    expect(tokenForGateway('abc@http://h:1;h2:2')).toBe('abc@');
    expect(tokenForGateway('abc@')).toBe('abc@');
    expect(tokenForGateway('abc')).toBe('abc');
  });

  it('name their navigation hosts separated by ;', () => {
    expect(navigationHostsOf('abc@http://h:1;h2:2;')).toEqual(['http://h:1', 'h2:2']);
    expect(navigationHostsOf('abc@')).toEqual([]);
    expect(navigationHostsOf('abc')).toEqual([]);
  });
});
