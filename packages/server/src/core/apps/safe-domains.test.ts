import { describe, expect, it } from 'vitest';
import { isOriginAllowed } from './safe-domains.js';

describe('isOriginAllowed', () => {
  it('allows everything when no safe domain is set, and clients without an Origin', () => {
    expect(isOriginAllowed([], 'http://evil.example')).toBe(true);
    expect(isOriginAllowed(['good.example'], undefined)).toBe(true);
  });

  it.each([
    ['http://good.example', true],
    ['https://good.example:8443', true],
    ['http://GOOD.example', true],
    ['http://app.good.example', false],
    ['http://good.example.evil', false],
    ['http://evilgood.example', false],
    ['null', false],
    ['not a url', false],
  ])('plain entry: %s → %s', (origin, allowed) => {
    expect(isOriginAllowed(['good.example'], origin)).toBe(allowed);
  });

  it('wildcards match subdomains only, and a pinned port must match', () => {
    expect(isOriginAllowed(['*.good.example'], 'https://a.b.good.example')).toBe(true);
    expect(isOriginAllowed(['*.good.example'], 'https://good.example')).toBe(false);
    expect(isOriginAllowed(['*.good.example'], 'https://xgood.example')).toBe(false);
    expect(isOriginAllowed(['good.example:8080'], 'http://good.example:8080')).toBe(true);
    expect(isOriginAllowed(['good.example:8080'], 'http://good.example:9090')).toBe(false);
    expect(isOriginAllowed(['good.example:443'], 'https://good.example')).toBe(true);
  });
});
