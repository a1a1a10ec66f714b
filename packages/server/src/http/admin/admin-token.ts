import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../data-dir.js';

/** A generated token is 64 hex characters (256 random bits): nothing in it reads as a command-line flag. */
const GENERATED_TOKEN_BYTES = 32;
const MIN_STORED_TOKEN_LENGTH = 32;
/** As `--admin-token` (config.ts). */
const MIN_GIVEN_TOKEN_LENGTH = 16;

export interface AdminToken {
  token: string;
  /** True when this call generated and saved it: the caller shows it once. */
  created: boolean;
}

export function adminTokenFile(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/** Where the admin token comes from, first match wins. */
export interface AdminTokenSource {
  /** `--admin-token`. */
  token?: string | undefined;
  /** `--admin-token-file`: a file the operator keeps (a secret mount, say); read, never written. */
  file?: string | undefined;
}

/**
 * The bearer token of the admin API and console: `--admin-token`, or the contents of
 * `--admin-token-file`, otherwise the one saved in `<dataDir>/admin-token`, otherwise a new random
 * one saved there (owner-only) so that it survives restarts and can be read again by whoever can
 * read the data directory.
 */
export async function ensureAdminToken(dataDir: string, source: AdminTokenSource = {}): Promise<AdminToken> {
  if (source.token) return { token: source.token, created: false };
  if (source.file) {
    const given = await readTokenFile(source.file, MIN_GIVEN_TOKEN_LENGTH);
    if (given === undefined) throw new Error(`--admin-token-file ${source.file} does not exist`);
    return { token: given, created: false };
  }
  const file = adminTokenFile(dataDir);
  const stored = await readTokenFile(file, MIN_STORED_TOKEN_LENGTH);
  if (stored !== undefined) return { token: stored, created: false };
  const token = randomBytes(GENERATED_TOKEN_BYTES).toString('hex');
  ensurePrivateDir(dataDir);
  // 'wx': never overwrite a token another process saved meanwhile.
  await writeFile(file, token + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  return { token, created: true };
}

/** The token a file holds (trimmed), or undefined when there is no such file. */
async function readTokenFile(file: string, minLength: number): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').then(
    (content) => content.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
  if (text !== undefined && text.length < minLength) {
    throw new Error(`${file} holds a token shorter than ${minLength} characters: put a longer one there, or delete the file to get a new one`);
  }
  return text;
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
}

/**
 * Compares a presented token with the expected one in time that depends on neither: both are
 * hashed first, so their lengths do not show either.
 */
export function adminTokenMatches(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
