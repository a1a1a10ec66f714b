/** SPEC §2: 1–64 bytes of A–Z a–z 0–9 and `+ = - _ |` (all single-byte, so bytes = characters). */
export const USER_ID_PATTERN = /^[A-Za-z0-9+=\-_|]{1,64}$/;

export function isValidUserId(value: string): boolean {
  return USER_ID_PATTERN.test(value);
}
