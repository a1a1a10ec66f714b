export type FrameDecodeErrorReason =
  /** Zero bytes: not even a fixed header. */
  | 'empty'
  /** The frame ends before a field (or a string's announced length) does. */
  | 'truncated'
  /** The frame type is unknown, or not one this direction sends. */
  | 'unknown-type'
  /** The fixed header asks for QoS 3. */
  | 'invalid-qos'
  /** Bytes left over after a frame whose layout has a definite end. */
  | 'trailing-bytes'
  /** A CONNECT names a protocol other than RCloud version 3. */
  | 'unsupported-protocol'
  /** A CONNECT flags byte Parley does not accept (will fields, missing app key or token, reserved bit). */
  | 'invalid-connect-flags'
  /** A CONNECT platform outside web, desktop, mobile, server. */
  | 'invalid-platform'
  /** A number that does not fit a JS number exactly (a u64 above 2^53 - 1). */
  | 'value-out-of-range'
  /** Native (TCP) framing: the byte after the fixed header is not the header XOR the length bytes. */
  | 'bad-check-byte'
  /** Native framing: the remaining length is not a minimal MQTT varint of at most 4 bytes. */
  | 'invalid-length'
  /** Native framing: a frame announces more bytes than the reader accepts. */
  | 'frame-too-large'
  /** Native framing: a PUBLISH or QUERY whose signature is not the MD5 slice of its body. */
  | 'bad-signature';

/** The only error the frame decoders throw; `reason` is for code, `message` for people. */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
  constructor(
    readonly reason: FrameDecodeErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by the frame encoders for a value the wire format cannot carry. */
export class FrameEncodeError extends Error {
  override readonly name = 'FrameEncodeError';
}
