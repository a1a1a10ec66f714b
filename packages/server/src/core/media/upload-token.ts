import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an upload token allows: one upload, of one key, by one user of one app, until `expiresAt`. */
export interface UploadGrant {
  appKey: string;
  userId: string;
  fileType: number;
  key: string;
  /** ms since the epoch. */
  expiresAt: number;
}

export type UploadTokenCheck =
  | { ok: true; grant: UploadGrant }
  | { ok: false; reason: 'malformed' | 'unknown-app' | 'bad-signature' | 'expired' };

const VERSION = 'pu1';
/** A token is a short string; anything much longer is not one of ours, and is not parsed. */
const MAX_TOKEN_LENGTH = 1024;

/**
 * The key upload tokens of an app are signed with, derived from its App Secret: the secret never
 * leaves the server, every node of a cluster derives the same key, and rotating the secret ends
 * every outstanding upload token along with the app's login tokens.
 */
export function uploadTokenKey(appSecret: string): Buffer {
  return createHmac('sha256', appSecret).update('parley-media-upload-token-v1').digest();
}

/** `pu1.<base64url JSON grant>.<base64url HMAC-SHA256>`. */
export function signUploadToken(grant: UploadGrant, key: Buffer): string {
  const body = Buffer.from(JSON.stringify([grant.appKey, grant.userId, grant.fileType, grant.key, grant.expiresAt])).toString('base64url');
  return `${VERSION}.${body}.${mac(key, body)}`;
}

/**
 * Checks a token: its shape, then its MAC with the key of the app it names (`keyOf` gives none for
 * an unknown app), then its lifetime. Only a grant that passes all three comes back.
 */
export function verifyUploadToken(token: string, keyOf: (appKey: string) => Buffer | undefined, now: number): UploadTokenCheck {
  const grant = readGrant(token);
  if (!grant) return { ok: false, reason: 'malformed' };
  const key = keyOf(grant.appKey);
  if (!key) return { ok: false, reason: 'unknown-app' };
  const [, body = '', signature = ''] = token.split('.');
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  if (now >= grant.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, grant };
}

/** The grant a token claims, unverified: which app's key checks it. */
export function readGrant(token: string): UploadGrant | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !/^[A-Za-z0-9_-]+$/.test(parts[1] ?? '') || !/^[A-Za-z0-9_-]+$/.test(parts[2] ?? '')) return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 5) return undefined;
  const [appKey, userId, fileType, key, expiresAt] = fields as unknown[];
  if (typeof appKey !== 'string' || typeof userId !== 'string' || typeof key !== 'string') return undefined;
  if (typeof fileType !== 'number' || !Number.isInteger(fileType) || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  return { appKey, userId, fileType, key, expiresAt };
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(VERSION).update('.').update(body).digest('base64url');
}
