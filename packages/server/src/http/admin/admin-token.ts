import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A generated token is 64 hex characters (256 random bits): nothing in it reads as a command-line flag. */
const GENERATED_TOKEN_BYTES = 32;
const MIN_STORED_TOKEN_LENGTH = 32;

export interface AdminToken {
  token: string;
  /** True when this call generated and saved it: the caller shows it once. */
  created: boolean;
}

export function adminTokenFile(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/**
 * The bearer token of the admin API and console: `--admin-token` when given, otherwise the one saved
 * in `<dataDir>/admin-token`, otherwise a new random one saved there (owner-only) so that it survives
 * restarts and can be read again by whoever can read the data directory.
 */
export async function ensureAdminToken(dataDir: string, configured: string | undefined): Promise<AdminToken> {
  if (configured) return { token: configured, created: false };
  const file = adminTokenFile(dataDir);
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
  if (stored !== undefined) {
    if (stored.length < MIN_STORED_TOKEN_LENGTH) {
      throw new Error(`${file} holds a token shorter than ${MIN_STORED_TOKEN_LENGTH} characters: delete the file to get a new one`);
    }
    return { token: stored, created: false };
  }
  const token = randomBytes(GENERATED_TOKEN_BYTES).toString('hex');
  await mkdir(dataDir, { recursive: true });
  // 'wx': never overwrite a token another process saved meanwhile.
  await writeFile(file, token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, created: true };
}

/**
 * Compares a presented token with the expected one in time that depends on neither: both are
 * hashed first, so their lengths do not show either.
 */
export function adminTokenMatches(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
