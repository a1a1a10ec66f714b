import { describe, expect, it } from 'vitest';
import { USER_ID_MAX_LENGTH, USER_ID_PATTERN_SOURCE, USER_ID_RULE, isValidUserId } from './user-id.js';

const valid = ['a', 'Alice_01', 'x+y=z', 'a-b|c', 'Z'.repeat(64)];
const invalid = ['', 'Z'.repeat(65), 'no spaces', 'a@b', 'a:b', 'é', 'a/b', '../x', 'a\nb', 'a.b'];

describe('user id rule', () => {
  it('takes 1-64 of A-Z a-z 0-9 + = - _ |', () => {
    expect(USER_ID_MAX_LENGTH).toBe(64);
    for (const id of valid) expect(isValidUserId(id), id).toBe(true);
    for (const id of invalid) expect(isValidUserId(id), id).toBe(false);
  });

  it('means the same as an HTML pattern, which browsers compile with the v flag', () => {
    const html = new RegExp(`^(?:${USER_ID_PATTERN_SOURCE})$`, 'v');
    for (const id of valid) expect(html.test(id), id).toBe(true);
    for (const id of invalid) expect(html.test(id), id).toBe(false);
  });

  it('is said in words with the same bounds', () => {
    expect(USER_ID_RULE).toBe('1-64 characters of A-Z a-z 0-9 + = - _ |');
  });
});
