import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5 } from './md5.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('md5', () => {
  it('gives the RFC 1321 test-suite digests', () => {
    expect(hex(md5(ascii('')))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(hex(md5(ascii('a')))).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(hex(md5(ascii('abc')))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(hex(md5(ascii('message digest')))).toBe('f96b697d7cb7938d525a2f31aaf161d0');
    expect(hex(md5(ascii('abcdefghijklmnopqrstuvwxyz')))).toBe('c3fcd3d76192e4007dfb496cca67e13b');
    expect(hex(md5(ascii('12345678901234567890123456789012345678901234567890123456789012345678901234567890')))).toBe(
      '57edf4a22be3c955ac49da2e2107b67a',
    );
  });

  it('agrees with node:crypto across every padding boundary and for a large input', () => {
    const data = new Uint8Array(300_000).map((_, index) => (index * 131 + 7) % 256);
    for (let length = 0; length <= 200; length += 1) {
      const input = data.subarray(0, length);
      expect(hex(md5(input))).toBe(createHash('md5').update(input).digest('hex'));
    }
    expect(hex(md5(data))).toBe(createHash('md5').update(data).digest('hex'));
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const larger = ascii('xxabcxx');
    expect(hex(md5(larger.subarray(2, 5)))).toBe('900150983cd24fb0d6963f7d28e17f72');
  });
});
