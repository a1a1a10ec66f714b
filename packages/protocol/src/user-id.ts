/**
 * RongCloud's rule for user ids, which Parley also applies to group ids: 1–64 characters of
 * A–Z a–z 0–9 and `+ = - _ |`. All are single-byte, so the length is also the UTF-8 byte length.
 */
export const USER_ID_MAX_LENGTH = 64;

// `-` and `|` are escaped so the class means the same in a plain, a `u` and a `v` RegExp: browsers
// compile an HTML `pattern` attribute with `v`, where both are reserved inside a class.
const USER_ID_CHARACTERS = 'A-Za-z0-9+=\\-_\\|';

/** The rule as a pattern without anchors: an HTML `pattern` attribute takes it as it is. */
export const USER_ID_PATTERN_SOURCE = `[${USER_ID_CHARACTERS}]{1,${USER_ID_MAX_LENGTH}}`;

export const USER_ID_PATTERN = new RegExp(`^${USER_ID_PATTERN_SOURCE}$`);

/** The rule in words, for error messages and form hints. */
export const USER_ID_RULE = `1-${USER_ID_MAX_LENGTH} characters of A-Z a-z 0-9 + = - _ |`;

export function isValidUserId(value: string): boolean {
  return USER_ID_PATTERN.test(value);
}
