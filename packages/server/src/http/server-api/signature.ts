import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppRecord } from '../../store/store.js';
import { ApiError } from '../api-error.js';

/** Strict mode's accepted clock difference between the app server and Parley. */
export const STRICT_WINDOW_MS = 5 * 60_000;

export interface SignedHeaders {
  nonce: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** RongCloud's scheme: hex(sha1(appSecret + nonce + timestamp)). It does not cover the body. */
export function computeSignature(appSecret: string, nonce: string, timestamp: string): string {
  return createHash('sha1').update(appSecret + nonce + timestamp).digest('hex');
}

/**
 * Checks a Server API call's signature. In `compatible` mode any nonce and timestamp pass, because
 * the official Node server SDK signs once per process and repeats the same triple on every call. In
 * `strict` mode the timestamp must be within ±5 min and a nonce is accepted once per window;
 * `claimNonce` answers whether this (app, nonce) pair is new.
 */
export async function verifySignature(
  app: AppRecord,
  headers: SignedHeaders,
  now: number,
  claimNonce: (key: string, ttlMs: number) => Promise<boolean>,
): Promise<void> {
  const { nonce, timestamp, signature } = headers;
  if (!nonce || !timestamp || !signature) throw ApiError.signature('Nonce, Timestamp and Signature headers are required');
  // Canonical numbers only: with a leading zero allowed, `nonce=N0&timestamp=T` and `nonce=N&timestamp=0T`
  // would be two spellings of one signed string.
  if (nonce.length > 128 || !/^[1-9]\d{0,15}$/.test(timestamp) || !/^[0-9a-fA-F]{40}$/.test(signature)) {
    throw ApiError.signature('malformed Nonce, Timestamp or Signature header');
  }
  const expected = Buffer.from(computeSignature(app.appSecret, nonce, timestamp), 'utf8');
  if (!timingSafeEqual(expected, Buffer.from(signature.toLowerCase(), 'utf8'))) {
    throw ApiError.signature('signature mismatch: check the App Key and App Secret');
  }
  if (app.signatureMode !== 'strict') return;
  if (Math.abs(now - timestampMs(timestamp)) > STRICT_WINDOW_MS) {
    throw ApiError.signature('Timestamp is more than 5 minutes away from the server clock');
  }
  // Twice the window: a timestamp up to 5 min ahead stays acceptable for 10 min from now. The
  // claim is on what was signed (the signature stands for nonce + timestamp), so a call re-spelt
  // with the same signed string is the same call; a nonce reused with another timestamp is refused too.
  const claims = [`signed:${app.appKey}:${signature.toLowerCase()}`, `nonce:${app.appKey}:${nonce}`];
  const fresh = await Promise.all(claims.map((key) => claimNonce(key, 2 * STRICT_WINDOW_MS)));
  if (fresh.includes(false)) {
    throw ApiError.signature('Nonce already used: sign each call with a fresh nonce');
  }
}

/** Timestamps come in seconds or milliseconds; 10^11 s lies beyond the year 5000. */
export function timestampMs(timestamp: string): number {
  const value = Number(timestamp);
  return value >= 1e11 ? value : value * 1000;
}
