import { describe, expect, it } from 'vitest';
import { isMediaFileType, isValidMediaKey, MEDIA_KEY_MAX_LENGTH } from './media.js';

describe('upload keys and file types', () => {
  it("accept the Web SDK's keys, extensions from any file name included", () => {
    expect(isValidMediaKey('1__RC-2026-12-3_812_1764770000000a1b2c3d4e5f60718293a4b5c6d.png')).toBe(true);
    expect(isValidMediaKey('4__RC-2026-12-3_8_1764770000000abc.my notes')).toBe(true);
    expect(isValidMediaKey('x'.repeat(MEDIA_KEY_MAX_LENGTH))).toBe(true);
  });

  it('refuse empty, overlong, path-like and control-character keys', () => {
    for (const key of ['', 'x'.repeat(MEDIA_KEY_MAX_LENGTH + 1), '../a', 'a/b', 'a\\b', 'a..b', 'a\nb', 'a\u0000b', 'a\u007fb']) {
      expect(isValidMediaKey(key)).toBe(false);
    }
  });

  it('know the six file types', () => {
    expect([0, 1, 4, 6, 7, 1.5].map(isMediaFileType)).toEqual([false, true, true, true, false, false]);
  });
});
