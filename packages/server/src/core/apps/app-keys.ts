import { randomBytes } from 'node:crypto';
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

const tokenKeys = new Map<string, { secret: string; key: Buffer }>();

/** The derived token key of an app, memoised per secret so a hot connect path does no extra HMAC. */
export function tokenKeyOf(app: AppRecord): Buffer {
  const cached = tokenKeys.get(app.appKey);
  if (cached && cached.secret === app.appSecret) return cached.key;
  const key = deriveTokenKey(app.appSecret);
  tokenKeys.set(app.appKey, { secret: app.appSecret, key });
  return key;
}
