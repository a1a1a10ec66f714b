import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A message UID in RongCloud's shape (`BJ3P-QHUM-C4G6-4A8H`): 80 random bits, so ids need no coordination between nodes. */
export function newMessageUid(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(value >>> bits) & 31];
    }
  }
  return out.match(/.{4}/g)!.join('-');
}
