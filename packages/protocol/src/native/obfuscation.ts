// A constant in the native stack (next to its platform names), the same for every app, connection
// and direction: obfuscation against casual inspection, not encryption. Navigation's `openAnti: 1`
// would switch the stack to a per-connection key instead, which Parley never asks for.
const KEY = Uint8Array.of(0x6c, 0x4d, 0x15, 0x21, 0x10, 0x27, 0x16, 0x77);

/**
 * Writes `body` XORed with the key, which restarts at each frame body's first byte, into `target`
 * from `targetOffset`. Applying it twice gives the body back, so it both hides and reveals.
 */
export function xorBody(body: Uint8Array, target: Uint8Array, targetOffset: number): void {
  for (let index = 0; index < body.length; index += 1) {
    target[targetOffset + index] = (body[index] as number) ^ (KEY[index & 7] as number);
  }
}
