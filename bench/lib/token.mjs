// A tiny, independent implementation of the token format Parley uses (documented in
// packages/server/src/core/tokens/token.ts): base64url(version u8 | issuedAt u48 | appKey len u8 |
// appKey | userId | HMAC-SHA256(first 16 bytes)) + '@'. The reference peers verify exactly this, so
// each connect does the same cryptographic work as Parley's. Nothing here is imported from Parley.
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;
const HEADER_BYTES = 8;

/** @param {string} appSecret */
export function deriveKey(appSecret) {
  return createHmac('sha256', appSecret).update('parley-token-key-v1').digest();
}

/**
 * @param {{appKey: string, userId: string, issuedAt?: number}} claims
 * @param {Buffer} key
 */
export function issueToken(claims, key) {
  const appKey = Buffer.from(claims.appKey);
  const userId = Buffer.from(claims.userId);
  const signed = Buffer.alloc(HEADER_BYTES + appKey.length + userId.length);
  signed.writeUInt8(1, 0);
  signed.writeUIntBE(claims.issuedAt ?? Date.now(), 1, 6);
  signed.writeUInt8(appKey.length, 7);
  appKey.copy(signed, HEADER_BYTES);
  userId.copy(signed, HEADER_BYTES + appKey.length);
  const mac = createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES);
  return `${Buffer.concat([signed, mac]).toString('base64url')}@`;
}

/**
 * The check a peer runs on every connect: parse, compare the app key, verify the MAC.
 * @param {string} token
 * @param {string} appKey
 * @param {Buffer} key
 * @returns {string | undefined} the user id, or undefined when the token is refused
 */
export function verifyToken(token, appKey, key) {
  if (typeof token !== 'string' || token.length === 0 || token.length > 256) return undefined;
  const at = token.indexOf('@');
  const opaque = at === -1 ? token : token.slice(0, at);
  if (!/^[A-Za-z0-9_-]+$/.test(opaque)) return undefined;
  const bytes = Buffer.from(opaque, 'base64url');
  if (bytes.length < HEADER_BYTES + 2 + MAC_BYTES || bytes[0] !== 1) return undefined;
  const appKeyLength = bytes[7];
  const signedLength = bytes.length - MAC_BYTES;
  const userIdStart = HEADER_BYTES + appKeyLength;
  if (appKeyLength === 0 || userIdStart >= signedLength) return undefined;
  const signed = bytes.subarray(0, signedLength);
  if (signed.subarray(HEADER_BYTES, userIdStart).toString() !== appKey) return undefined;
  const mac = createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES);
  if (!timingSafeEqual(mac, bytes.subarray(signedLength))) return undefined;
  return signed.subarray(userIdStart).toString();
}
