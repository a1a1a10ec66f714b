import { createHash, randomBytes } from 'node:crypto';
import type { AppRecord } from '../../store/store.js';
import { deriveTokenKey } from '../tokens/token.js';

const APP_KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 14 lowercase letters and digits, the shape of RongCloud App Keys, so existing validators accept it. */
export function generateAppKey(): string {
  return randomString(14, APP_KEY_ALPHABET);
}

/** 24 characters from a 62-letter alphabet: about 143 bits. */
export function generateAppSecret(): string {
  return randomString(24, APP_KEY_ALPHABET + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
}

function randomString(length: number, alphabet: string): string {
  let out = '';
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

interface TokenKey {
  secret: string;
  key: Buffer;
  fingerprint: string;
}

const tokenKeys = new Map<string, TokenKey>();

/** Memoised per secret so a hot connect path does no extra HMAC. */
function tokenKeyEntry(app: AppRecord): TokenKey {
  const cached = tokenKeys.get(app.appKey);
  if (cached && cached.secret === app.appSecret) return cached;
  const key = deriveTokenKey(app.appSecret);
  // 96 bits of a hash of the key: distinct keys never collide in practice, and it reveals nothing of the key.
  const fingerprint = createHash('sha256').update('parley-token-key-fingerprint-v1').update(key).digest('base64url').slice(0, 16);
  const entry = { secret: app.appSecret, key, fingerprint };
  tokenKeys.set(app.appKey, entry);
  return entry;
}

/** The derived token key of an app. */
export function tokenKeyOf(app: AppRecord): Buffer {
  return tokenKeyEntry(app).key;
}

/**
 * Names the app's current token key without revealing it or the secret. A session keeps the
 * fingerprint of the key its token was verified with, so a rotation ends exactly the sessions
 * whose tokens the new key no longer verifies.
 */
export function tokenKeyFingerprintOf(app: AppRecord): string {
  return tokenKeyEntry(app).fingerprint;
}
