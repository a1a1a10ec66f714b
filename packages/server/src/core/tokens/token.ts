import { joinToken, splitToken, USER_ID_MAX_LENGTH } from '@parley/protocol';
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Parley tokens: `<opaque>@<navigation url>`, where `<opaque>` is base64url of
 * `version u8 | issuedAt u48 (ms) | appKey length u8 | appKey | userId` followed by a truncated
 * HMAC-SHA256 over those bytes. The MAC key is derived from the app secret, so rotating the secret
 * invalidates every token of the app. The navigation suffix sits outside the MAC because the official
 * Web SDK strips it (keeping the `@`) before it sends the token to the gateway.
 */
const TOKEN_VERSION = 1;
const MAC_BYTES = 16;
const HEADER_BYTES = 1 + 6 + 1;
const MAX_APP_KEY_BYTES = 32;
/** The contract's ceiling for a whole token, suffix included (docs/contract.md, "Apps and tokens"). */
export const MAX_TOKEN_BYTES = 256;

export interface TokenClaims {
  appKey: string;
  userId: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
}

export type TokenParseResult =
  | { ok: true; claims: TokenClaims; signedBytes: Buffer; mac: Buffer }
  | { ok: false; reason: 'malformed' | 'unsupported-version' };

/** The key tokens are signed with, derived so that the App Secret itself never signs anything else. */
export function deriveTokenKey(appSecret: string): Buffer {
  return createHmac('sha256', appSecret).update('parley-token-key-v1').digest();
}

export function issueToken(claims: TokenClaims, tokenKey: Buffer, navigationUrl?: string): string {
  const appKey = Buffer.from(claims.appKey, 'utf8');
  const userId = Buffer.from(claims.userId, 'utf8');
  if (appKey.length === 0 || appKey.length > MAX_APP_KEY_BYTES) throw new RangeError('appKey must be 1-32 bytes');
  if (userId.length === 0 || userId.length > USER_ID_MAX_LENGTH) throw new RangeError(`userId must be 1-${USER_ID_MAX_LENGTH} bytes`);
  const signed = Buffer.alloc(HEADER_BYTES + appKey.length + userId.length);
  signed.writeUInt8(TOKEN_VERSION, 0);
  signed.writeUIntBE(claims.issuedAt, 1, 6);
  signed.writeUInt8(appKey.length, 7);
  appKey.copy(signed, HEADER_BYTES);
  userId.copy(signed, HEADER_BYTES + appKey.length);
  const opaque = Buffer.concat([signed, computeMac(signed, tokenKey)]).toString('base64url');
  const token = joinToken(opaque, navigationUrl ?? '');
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) throw new RangeError('token would exceed 256 bytes: shorten the public URL');
  return token;
}

/** Reads the claims without checking the MAC; callers must still call {@link hasValidMac}. */
export function parseToken(token: string): TokenParseResult {
  if (token.length === 0 || token.length > MAX_TOKEN_BYTES) return { ok: false, reason: 'malformed' };
  const { opaque } = splitToken(token);
  if (!/^[A-Za-z0-9_-]+$/.test(opaque)) return { ok: false, reason: 'malformed' };
  const bytes = Buffer.from(opaque, 'base64url');
  if (bytes.length < HEADER_BYTES + 2 + MAC_BYTES) return { ok: false, reason: 'malformed' };
  if (bytes.readUInt8(0) !== TOKEN_VERSION) return { ok: false, reason: 'unsupported-version' };
  const appKeyLength = bytes.readUInt8(7);
  const signedLength = bytes.length - MAC_BYTES;
  const userIdStart = HEADER_BYTES + appKeyLength;
  if (appKeyLength === 0 || userIdStart >= signedLength) return { ok: false, reason: 'malformed' };
  const signedBytes = bytes.subarray(0, signedLength);
  return {
    ok: true,
    signedBytes,
    mac: bytes.subarray(signedLength),
    claims: {
      issuedAt: bytes.readUIntBE(1, 6),
      appKey: signedBytes.subarray(HEADER_BYTES, userIdStart).toString('utf8'),
      userId: signedBytes.subarray(userIdStart).toString('utf8'),
    },
  };
}

export function hasValidMac(parsed: { signedBytes: Buffer; mac: Buffer }, tokenKey: Buffer): boolean {
  return timingSafeEqual(computeMac(parsed.signedBytes, tokenKey), parsed.mac);
}

function computeMac(signed: Buffer, tokenKey: Buffer): Buffer {
  return createHmac('sha256', tokenKey).update(signed).digest().subarray(0, MAC_BYTES);
}
