/**
 * Turns any string into one file-name component that is safe on every common file system and
 * unambiguous even where names are case-insensitive (macOS, Windows): `a–z`, `0–9` and `-` stay as
 * they are; every other UTF-8 byte, uppercase letters included, becomes `_` and two lowercase hex
 * digits. `_` is escaped too, so it only ever starts an escape and two different strings can never
 * map to one name. Example: `Alice|Bob_1` → `_41lice_7c_42ob_5f1`.
 */
export function encodeFileNameComponent(value: string): string {
  let encoded = '';
  for (const byte of new TextEncoder().encode(value)) {
    const char = String.fromCharCode(byte);
    encoded += /[a-z0-9-]/.test(char) ? char : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The file of one user's database. The `user-` prefix keeps it apart from `meta.sqlite` (a user
 * named `meta`) and from names Windows reserves whatever their extension (`con`, `nul`, `com1`...).
 * The longest userId (64 characters, all escaped) gives 5 + 192 + 7 = 204 bytes, under the usual
 * 255-byte limit.
 */
export function userDatabaseFileName(userId: string): string {
  return `user-${encodeFileNameComponent(userId)}.sqlite`;
}

export const META_DATABASE_FILE_NAME = 'meta.sqlite';
