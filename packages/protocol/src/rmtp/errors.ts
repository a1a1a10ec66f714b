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
  | 'value-out-of-range';

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
