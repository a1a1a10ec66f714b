import { FrameDecodeError, FrameEncodeError } from './errors.js';

const MAX_U8 = 0xff;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;
const TWO_TO_32 = 0x1_0000_0000;
// UTF-16 code units never expand to more than 3 UTF-8 bytes each.
const MAX_UTF8_BYTES_PER_CODE_UNIT = 3;

const utf8Encoder = new TextEncoder();
// Lenient on purpose: malformed UTF-8 becomes U+FFFD instead of failing the whole frame, and a
// leading BOM is kept as part of the string rather than silently dropped.
const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Big-endian field writer over a buffer that grows as needed. */
export class FrameWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(expectedSize: number) {
    this.buffer = new Uint8Array(Math.max(expectedSize, 16));
    this.view = new DataView(this.buffer.buffer);
  }

  u8(value: number, field: string): this {
    checkUnsigned(value, MAX_U8, field);
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
    return this;
  }

  u16(value: number, field: string): this {
    checkUnsigned(value, MAX_U16, field);
    this.reserve(2);
    this.view.setUint16(this.length, value);
    this.length += 2;
    return this;
  }

  /** The native stack writes the CONNECT keepalive in host order, which is little-endian on every target. */
  u16LittleEndian(value: number, field: string): this {
    checkUnsigned(value, MAX_U16, field);
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
    return this;
  }

  u32(value: number, field: string): this {
    checkUnsigned(value, MAX_U32, field);
    this.reserve(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
    return this;
  }

  u64(value: number, field: string): this {
    checkUnsigned(value, Number.MAX_SAFE_INTEGER, field);
    this.reserve(8);
    this.view.setUint32(this.length, Math.floor(value / TWO_TO_32));
    this.view.setUint32(this.length + 4, value % TWO_TO_32);
    this.length += 8;
    return this;
  }

  /** A u16 byte length followed by the UTF-8 bytes. */
  string(value: string, field: string): this {
    if (typeof value !== 'string') throw new FrameEncodeError(`${field} must be a string`);
    this.reserve(2 + value.length * MAX_UTF8_BYTES_PER_CODE_UNIT);
    const { written } = utf8Encoder.encodeInto(value, this.buffer.subarray(this.length + 2));
    if (written > MAX_U16) throw new FrameEncodeError(`${field} is ${written} bytes of UTF-8, more than ${MAX_U16}`);
    this.view.setUint16(this.length, written);
    this.length += 2 + written;
    return this;
  }

  bytes(value: Uint8Array, field: string): this {
    if (!(value instanceof Uint8Array)) throw new FrameEncodeError(`${field} must be a Uint8Array`);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}

function checkUnsigned(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new FrameEncodeError(`${field} must be an integer from 0 to ${max}, got ${String(value)}`);
  }
}

/** Big-endian field reader that never reads past the end of its input. */
export class FrameReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(field: string): number {
    this.need(1, field);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u16LittleEndian(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(field: string): number {
    this.need(8, field);
    const high = this.view.getUint32(this.offset);
    const low = this.view.getUint32(this.offset + 4);
    this.offset += 8;
    const value = high * TWO_TO_32 + low;
    if (!Number.isSafeInteger(value)) {
      throw new FrameDecodeError('value-out-of-range', `${field} does not fit in a JS number`);
    }
    return value;
  }

  string(field: string): string {
    const length = this.u16(`${field} length`);
    this.need(length, field);
    const value = utf8Decoder.decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }

  /** Everything left, as a copy: the frame never aliases (or pins) the caller's buffer. */
  rest(): Uint8Array {
    const value = new Uint8Array(this.remaining);
    value.set(this.bytes.subarray(this.offset));
    this.offset = this.bytes.length;
    return value;
  }

  end(frame: string): void {
    if (this.remaining > 0) {
      throw new FrameDecodeError('trailing-bytes', `${this.remaining} unexpected bytes after ${frame}`);
    }
  }

  private need(count: number, field: string): void {
    if (this.remaining < count) {
      throw new FrameDecodeError('truncated', `frame ends inside ${field}`);
    }
  }
}
