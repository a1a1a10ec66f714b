/**
 * The one thing the SDK needs from a WebSocket: binary frames in and out, and a close. Node (`ws`,
 * with an optional proxy) and browsers (`WebSocket`) each provide an `OpenSocket`.
 */
export interface FrameSocket {
  send(data: Uint8Array): void;
  close(): void;
  /** Set by the SDK before any frame can arrive. */
  onFrame: (data: Uint8Array) => void;
  onClose: () => void;
}

/** Resolves once the socket is open; rejects with a TransportError. */
export type OpenSocket = (url: string) => Promise<FrameSocket>;

export class TransportError extends Error {
  /** `code` is the SDK error code: 30011 for a socket that could not open, 31028 for a proxy that failed. */
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
