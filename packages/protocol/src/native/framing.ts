import { FrameDecodeError, FrameEncodeError } from '../rmtp/errors.js';
import { xorBody } from './obfuscation.js';
import { SIGNATURE_LENGTH, signatureOf } from './signature.js';

// On TCP a frame is: the fixed header byte, a check byte (the header XOR every length byte), the
// body length as an MQTT remaining length (7 bits a byte, low group first, high bit = more), then
// the body XORed with the key. The check byte is the native stack's own; MQTT has none.
const MAX_LENGTH_BYTES = 4;
const MAX_BODY_LENGTH = 128 ** MAX_LENGTH_BYTES - 1;
const MAX_HEAD_BYTES = 2 + MAX_LENGTH_BYTES;

/** What `NativeDeframer` accepts by default: the WebSocket gateway's frame limit. */
export const DEFAULT_MAX_NATIVE_FRAME_BYTES = 256 * 1024;

interface FrameHead {
  /** Header, check byte and length bytes. */
  headLength: number;
  bodyLength: number;
}

/**
 * Reads the head from the first `available` bytes; undefined while they end before the length does.
 * Never looks past `MAX_HEAD_BYTES`.
 */
function parseHead(bytes: Uint8Array, available: number): FrameHead | undefined {
  const header = bytes[0] as number;
  let check = header;
  let bodyLength = 0;
  for (let index = 0; index < MAX_LENGTH_BYTES; index += 1) {
    const position = 2 + index;
    if (position >= available) return undefined;
    const byte = bytes[position] as number;
    check ^= byte;
    bodyLength += (byte & 0x7f) * 128 ** index;
    if ((byte & 0x80) !== 0) continue;
    // A zero last byte after others adds nothing: a non-minimal length, which nobody writes.
    if (byte === 0 && index > 0) throw new FrameDecodeError('invalid-length', 'the remaining length has a needless zero byte');
    if (check !== bytes[1]) {
      throw new FrameDecodeError('bad-check-byte', `check byte 0x${(bytes[1] as number).toString(16)}, expected 0x${check.toString(16)}`);
    }
    return { headLength: position + 1, bodyLength };
  }
  throw new FrameDecodeError('invalid-length', `the remaining length runs past ${MAX_LENGTH_BYTES} bytes`);
}

/**
 * The TCP bytes of a frame given in its WebSocket layout (fixed header, then the body), with the
 * signature put before the body when `signed`.
 */
export function toNativeWire(frame: Uint8Array, signed: boolean): Uint8Array {
  const header = frame[0] as number;
  const body = frame.subarray(1);
  const bodyLength = body.length + (signed ? SIGNATURE_LENGTH : 0);
  if (bodyLength > MAX_BODY_LENGTH) throw new FrameEncodeError(`a body of ${bodyLength} bytes exceeds the remaining length's ${MAX_BODY_LENGTH}`);
  const lengthBytes: number[] = [];
  let rest = bodyLength;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    lengthBytes.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);

  const headLength = 2 + lengthBytes.length;
  const wire = new Uint8Array(headLength + bodyLength);
  wire[0] = header;
  wire[1] = lengthBytes.reduce((check, byte) => check ^ byte, header);
  wire.set(lengthBytes, 2);
  const bodyStart = signed ? headLength + SIGNATURE_LENGTH : headLength;
  wire.set(body, bodyStart);
  if (signed) wire.set(signatureOf(body), headLength);
  const plainBody = wire.subarray(headLength);
  xorBody(plainBody, plainBody, 0);
  return wire;
}

/**
 * The reverse of `toNativeWire` for exactly one whole frame: its WebSocket layout, with the
 * signature checked and dropped when `isSigned(type)`. Throws `FrameDecodeError` only.
 */
export function fromNativeWire(wire: Uint8Array, isSigned: (type: number) => boolean): Uint8Array {
  if (wire.length === 0) throw new FrameDecodeError('empty', 'zero bytes are not a frame');
  const head = parseHead(wire, wire.length);
  if (!head) throw new FrameDecodeError('truncated', 'the frame ends inside its length');
  const frameLength = head.headLength + head.bodyLength;
  if (wire.length < frameLength) throw new FrameDecodeError('truncated', `the frame ends ${frameLength - wire.length} bytes early`);
  if (wire.length > frameLength) throw new FrameDecodeError('trailing-bytes', `${wire.length - frameLength} bytes after the frame`);

  const plain = new Uint8Array(1 + head.bodyLength);
  plain[0] = wire[0] as number;
  xorBody(wire.subarray(head.headLength), plain, 1);
  if (!isSigned((plain[0] as number) >> 4)) return plain;

  if (head.bodyLength < SIGNATURE_LENGTH) throw new FrameDecodeError('truncated', 'the frame ends inside its signature');
  const expected = signatureOf(plain.subarray(1 + SIGNATURE_LENGTH));
  for (let index = 0; index < SIGNATURE_LENGTH; index += 1) {
    if (plain[1 + index] !== expected[index]) throw new FrameDecodeError('bad-signature', 'the signature is not the MD5 slice of the body');
  }
  // The header moves into the signature's last byte, so the body needs no copy.
  plain[SIGNATURE_LENGTH] = plain[0] as number;
  return plain.subarray(SIGNATURE_LENGTH);
}

export interface NativeDeframerOptions {
  /** The largest whole frame (head and body) accepted; default `DEFAULT_MAX_NATIVE_FRAME_BYTES`. */
  maxFrameBytes?: number;
}

/**
 * Cuts a TCP byte stream into whole native frames. `push` what the socket delivers, in chunks of
 * any size, then `read` until it returns undefined. A frame's size is known (and refused when over
 * the limit) from its first few bytes, and its buffer is made only once all of it has arrived, so
 * what the reader holds is what the peer sent, never what it announced.
 *
 * After a `FrameDecodeError` the stream has lost its framing for good: every later call throws the
 * same error, and the connection should be closed.
 */
export class NativeDeframer {
  private maxFrameBytes: number;
  /** Pushed chunks, kept by reference; those before `chunkIndex` are used up, that one up to `chunkOffset`. */
  private readonly chunks: Uint8Array[] = [];
  private chunkIndex = 0;
  private chunkOffset = 0;
  /** Bytes pushed and not yet read. */
  private buffered = 0;
  private readonly head = new Uint8Array(MAX_HEAD_BYTES);
  private headFilled = 0;
  /** The head of the frame whose body is awaited, and the frame's whole length. */
  private pending: { head: Uint8Array; length: number } | undefined;
  private failure: FrameDecodeError | undefined;

  constructor(options: NativeDeframerOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_NATIVE_FRAME_BYTES;
  }

  /** Queues bytes from the stream. The chunk is read later, so it must not be reused meanwhile. */
  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * Changes the frame limit from the next frame on: a server keeps it small until a client has
   * authenticated, since a CONNECT is well under a KiB.
   */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * The next whole frame, as its wire bytes (for `decodeNativeClientFrame` and friends), or undefined
   * until more bytes arrive. Throws `FrameDecodeError` for a bad check byte, a malformed length or a
   * frame over the limit.
   */
  read(): Uint8Array | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.pending ? this.fillFrame() : this.readHead();
    } catch (error) {
      if (error instanceof FrameDecodeError) this.failure = error;
      throw error;
    }
  }

  private readHead(): Uint8Array | undefined {
    for (;;) {
      const head = parseHead(this.head, this.headFilled);
      if (head) {
        const frameLength = head.headLength + head.bodyLength;
        if (frameLength > this.maxFrameBytes) {
          throw new FrameDecodeError('frame-too-large', `a frame of ${frameLength} bytes, over the limit of ${this.maxFrameBytes}`);
        }
        this.pending = { head: this.head.slice(0, head.headLength), length: frameLength };
        this.headFilled = 0;
        return this.fillFrame();
      }
      // parseHead has thrown by the time the head buffer is full, so this never overruns it.
      const chunk = this.chunks[this.chunkIndex];
      if (!chunk) return undefined;
      this.head[this.headFilled] = chunk[this.chunkOffset] as number;
      this.headFilled += 1;
      this.consume(1);
    }
  }

  private fillFrame(): Uint8Array | undefined {
    const pending = this.pending as { head: Uint8Array; length: number };
    if (this.buffered < pending.length - pending.head.length) return undefined;
    const frame = new Uint8Array(pending.length);
    frame.set(pending.head);
    let filled = pending.head.length;
    for (let chunk = this.chunks[this.chunkIndex]; chunk && filled < frame.length; chunk = this.chunks[this.chunkIndex]) {
      const count = Math.min(chunk.length - this.chunkOffset, frame.length - filled);
      frame.set(chunk.subarray(this.chunkOffset, this.chunkOffset + count), filled);
      filled += count;
      this.consume(count);
    }
    this.pending = undefined;
    return frame;
  }

  private consume(count: number): void {
    this.buffered -= count;
    this.chunkOffset += count;
    if (this.chunkOffset < (this.chunks[this.chunkIndex] as Uint8Array).length) return;
    this.chunkOffset = 0;
    this.chunkIndex += 1;
    // Indexing rather than shifting keeps a queue of many tiny chunks linear.
    if (this.chunkIndex === this.chunks.length) {
      this.chunks.length = 0;
      this.chunkIndex = 0;
    }
  }
}
