import { closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data directory holds every App Secret (in the SQLite file), the admin token and the
 * development app's credentials: it is the owner's alone. Whatever creates something in it goes
 * through here, so the modes are decided once.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and missing parents) readable by the owner only; an existing one is left as it is. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Creates an empty file readable by the owner only, unless it exists. SQLite gives its `-wal` and
 * `-shm` files the mode of the database file, so creating the database this way covers them too.
 */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
}

/** An entry of the data directory that other local users can read or enter, and the mode it should have. */
export interface ExposedEntry {
  path: string;
  mode: number;
  wanted: number;
}

/**
 * One line per entry of the data directory (the directory itself included) that other local users
 * can read or enter, with the command that fixes it. Existing installs are warned, not changed:
 * the operator may share the directory with a backup user on purpose.
 */
export function exposedDataFiles(dir: string): string[] {
  return exposedEntries(dir).map(({ path, mode, wanted }) => `${path} is readable by other users (mode ${mode.toString(8)}): chmod ${wanted.toString(8)} ${path}`);
}

/** The data directory and its entries whose modes let other local users in (`parley doctor` and the start's warnings). */
export function exposedEntries(dir: string): ExposedEntry[] {
  const exposed: ExposedEntry[] = [];
  const check = (path: string, wanted: number) => {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) exposed.push({ path, mode, wanted });
  };
  let entries: string[];
  try {
    check(dir, PRIVATE_DIR_MODE);
    entries = readdirSync(dir);
  } catch {
    return exposed;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      check(path, statSync(path).isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE);
    } catch {
      // Gone since the listing (a WAL file at checkpoint): nothing to warn about.
    }
  }
  return exposed;
}
