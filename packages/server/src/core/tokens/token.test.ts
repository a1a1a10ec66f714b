import { splitToken } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { deriveTokenKey, hasValidMac, issueToken, MAX_TOKEN_BYTES, parseToken } from './token.js';

const key = deriveTokenKey('app-secret-one');
const claims = { appKey: 'appkey00000001', userId: 'alice', issuedAt: 1_790_000_000_123 };

function opaquePart(token: string): string {
  return splitToken(token).opaque;
}

describe('tokens', () => {
  it('round-trips its claims and verifies under the key that signed it', () => {
    const token = issueToken(claims, key, 'http://127.0.0.1:8080');
    const parsed = parseToken(token);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.claims).toEqual(claims);
    expect(hasValidMac(parsed, key)).toBe(true);
    expect(hasValidMac(parsed, deriveTokenKey('app-secret-two'))).toBe(false);
  });

  it('carries the navigation address after @, outside the MAC', () => {
    const token = issueToken(claims, key, 'http://10.1.2.3:9000');
    expect(splitToken(token).navigation).toBe('http://10.1.2.3:9000');
    // The official Web SDK sends only `<opaque>@` to the gateway.
    for (const variant of [`${opaquePart(token)}@`, opaquePart(token), `${opaquePart(token)}@http://elsewhere:1`]) {
      const parsed = parseToken(variant);
      expect(parsed.ok && hasValidMac(parsed, key)).toBe(true);
    }
  });

  it('detects any changed byte of the opaque part', () => {
    const opaque = Buffer.from(opaquePart(issueToken(claims, key)), 'base64url');
    for (let i = 0; i < opaque.length; i++) {
      const tampered = Buffer.from(opaque);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      const parsed = parseToken(tampered.toString('base64url'));
      expect(parsed.ok && hasValidMac(parsed, key), `byte ${i}`).toBe(false);
    }
  });

  it('keeps the longest user id and app key within 256 bytes with a typical public URL', () => {
    const token = issueToken({ appKey: 'k'.repeat(32), userId: 'u'.repeat(64), issuedAt: Date.now() }, key, 'https://im.example.com:443');
    expect(Buffer.byteLength(token)).toBeLessThanOrEqual(MAX_TOKEN_BYTES);
    expect(() => issueToken(claims, key, 'https://' + 'x'.repeat(200) + '.example.com')).toThrow(/256 bytes/);
  });

  it('refuses user ids and app keys outside their lengths', () => {
    expect(() => issueToken({ ...claims, userId: '' }, key)).toThrow(RangeError);
    expect(() => issueToken({ ...claims, userId: 'u'.repeat(65) }, key)).toThrow(RangeError);
    expect(() => issueToken({ ...claims, appKey: 'k'.repeat(33) }, key)).toThrow(RangeError);
  });

  it('reports garbage as malformed instead of throwing', () => {
    for (const garbage of ['', '@', '!!!!', 'a'.repeat(300), 'AAAA', Buffer.alloc(40).toString('base64url'), 'ab cd@x']) {
      const parsed = parseToken(garbage);
      expect(parsed.ok, garbage).toBe(false);
    }
    const wrongVersion = Buffer.from(opaquePart(issueToken(claims, key)), 'base64url');
    wrongVersion[0] = 9;
    expect(parseToken(wrongVersion.toString('base64url'))).toEqual({ ok: false, reason: 'unsupported-version' });
  });
});
