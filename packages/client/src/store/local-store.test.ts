import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStorableUserId, tokenDigest } from './local-store.js';

describe('isStorableUserId', () => {
  it('accepts what the server accepts: 1–64 of A–Z a–z 0–9 + = - _ |', () => {
    for (const userId of ['a', 'Alice_01', 'x+y=z', 'a-b|c', 'Z'.repeat(64)]) expect(isStorableUserId(userId)).toBe(true);
  });

  it('rejects the rest', () => {
    for (const userId of ['', 'a'.repeat(65), 'a b', 'a:b', '../x', 'a/b', 'é', 'a.b', 'a\n']) {
      expect(isStorableUserId(userId)).toBe(false);
    }
  });
});

describe('tokenDigest', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is the hex SHA-256 of the UTF-8 token', async () => {
    expect(await tokenDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await tokenDigest('abd')).not.toBe(await tokenDigest('abc'));
  });

  it('is undefined where Web Crypto is missing (browsers outside secure contexts)', async () => {
    vi.stubGlobal('crypto', {});
    expect(await tokenDigest('abc')).toBeUndefined();
  });
});
