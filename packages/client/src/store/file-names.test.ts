import { describe, expect, it } from 'vitest';
import { META_DATABASE_FILE_NAME, encodeFileNameComponent, userDatabaseFileName } from './file-names.js';

const USER_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=-_|';

/** The inverse of the encoding, here only to prove that no two strings share a name. */
function decode(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '_') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function randomUserId(random: () => number): string {
  const length = 1 + Math.floor(random() * 64);
  return Array.from({ length }, () => USER_ID_ALPHABET[Math.floor(random() * USER_ID_ALPHABET.length)]).join('');
}

/** A small deterministic generator, so a failure names the same ids on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('encodeFileNameComponent', () => {
  it('keeps lowercase letters, digits and dashes, and escapes every other byte as _hh', () => {
    expect(encodeFileNameComponent('abc-123')).toBe('abc-123');
    expect(encodeFileNameComponent('Alice|Bob_1')).toBe('_41lice_7c_42ob_5f1');
    expect(encodeFileNameComponent('a+b=c')).toBe('a_2bb_3dc');
    expect(encodeFileNameComponent('../x')).toBe('_2e_2e_2fx');
    expect(encodeFileNameComponent('é')).toBe('_c3_a9');
  });

  it('gives names that differ even where the file system ignores case', () => {
    const names = [...USER_ID_ALPHABET].map((char) => encodeFileNameComponent(char).toLowerCase());
    expect(new Set(names).size).toBe(USER_ID_ALPHABET.length);
    expect(encodeFileNameComponent('alice').toLowerCase()).not.toBe(encodeFileNameComponent('Alice').toLowerCase());
  });

  it('is reversible, so two userIds never share a file', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const userId = randomUserId(random);
      const encoded = encodeFileNameComponent(userId);
      expect(encoded).toMatch(/^[a-z0-9_-]+$/);
      expect(decode(encoded)).toBe(userId);
    }
  });
});

describe('userDatabaseFileName', () => {
  it('fits the 255-byte name limit for the longest userId', () => {
    const name = userDatabaseFileName('|'.repeat(64));
    expect(name).toHaveLength(204);
    expect(name).toMatch(/^user-[a-z0-9_-]+\.sqlite$/);
  });

  it('never takes the meta file, nor a name Windows reserves', () => {
    expect(userDatabaseFileName('meta')).not.toBe(META_DATABASE_FILE_NAME);
    expect(userDatabaseFileName('con')).toBe('user-con.sqlite');
  });
});
