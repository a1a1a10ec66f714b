import { md5 } from './md5.js';

/** The bytes that open every native PUBLISH and QUERY body, before the fields the WebSocket variant has. */
export const SIGNATURE_LENGTH = 8;

/** The signature of the body that follows it: bytes 4 to 11 of its MD5. */
export function signatureOf(signed: Uint8Array): Uint8Array {
  return md5(signed).subarray(4, 4 + SIGNATURE_LENGTH);
}
