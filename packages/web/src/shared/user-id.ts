/**
 * SPEC §2's user id (and group id) characters as an HTML `pattern`, which browsers compile with the
 * `v` flag: `-` and `|` must be escaped inside the class there.
 */
export const ID_PATTERN = '[A-Za-z0-9+=\\-_\\|]{1,64}';
export const ID_TITLE = '1-64 characters: A-Z a-z 0-9 + = - _ |';
