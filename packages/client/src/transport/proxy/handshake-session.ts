import { ProxyUnavailableError, type ProxyFailureReason } from './proxy-unavailable-error.js';

/** What a reply parser makes of the bytes received so far (which may hold more than the reply). */
export type ReplyParseResult<T> =
  | { status: 'incomplete' }
  | { status: 'complete'; value: T; byteLength: number }
  | { status: 'failed'; reason: ProxyFailureReason; message: string };

export type ReplyParser<T> = (received: Uint8Array) => ReplyParseResult<T>;

/** One request sent to the proxy and how to read its reply. */
export interface HandshakeExchange {
  request: Uint8Array;
  parseReply: ReplyParser<unknown>;
  /** A reply still incomplete at this size is refused, so a misbehaving proxy cannot make us buffer forever. */
  maxReplyBytes: number;
}

/**
 * A proxy handshake written as a generator: it yields each exchange and is resumed with the value the
 * exchange's parser produced. It does no I/O, so it runs the same over a socket or in a unit test.
 */
export type Handshake = Generator<HandshakeExchange, void, unknown>;

/** Yields one exchange and returns its parsed reply, typed (for use with `yield*`). */
export function* exchange<T>(
  request: Uint8Array,
  parseReply: ReplyParser<T>,
  maxReplyBytes: number,
): Generator<HandshakeExchange, T, unknown> {
  // HandshakeSession resumes the generator with exactly what this exchange's parser returned.
  return (yield { request, parseReply, maxReplyBytes }) as T;
}

export type HandshakeProgress =
  | { established: false; send: Uint8Array[] }
  /** `tunnelBytes` arrived after the last reply: they are the target's, and belong to the tunnel. */
  | { established: true; send: Uint8Array[]; tunnelBytes: Buffer };

/** Drives a {@link Handshake} over bytes received in chunks of any size. */
export class HandshakeSession {
  private readonly handshake: Handshake;
  private current: HandshakeExchange | undefined;
  private received: Buffer = Buffer.alloc(0);

  constructor(handshake: Handshake) {
    this.handshake = handshake;
  }

  /** Runs the handshake up to its first request; a target the protocol cannot express throws here. */
  start(): Uint8Array {
    const first = this.handshake.next();
    if (first.done) throw new Error('a proxy handshake must send at least one request');
    this.current = first.value;
    return first.value.request;
  }

  /** Feeds received bytes; throws {@link ProxyUnavailableError} when the proxy refuses or misbehaves. */
  receive(chunk: Uint8Array): HandshakeProgress {
    if (!this.current) throw new Error('HandshakeSession.receive called before start() or after the handshake ended');
    this.received = this.received.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.received, chunk]);
    const send: Uint8Array[] = [];
    // One chunk may hold several replies (or a reply and tunnel bytes), so parse until one is incomplete.
    for (;;) {
      const exchange: HandshakeExchange = this.current;
      const result = exchange.parseReply(this.received);
      if (result.status === 'failed') throw new ProxyUnavailableError(result.reason, result.message);
      if (result.status === 'incomplete') {
        if (this.received.length >= exchange.maxReplyBytes) {
          throw new ProxyUnavailableError(
            'protocol-error',
            `proxy reply is still incomplete after ${this.received.length} bytes (the limit is ${exchange.maxReplyBytes})`,
          );
        }
        return { established: false, send };
      }
      this.received = this.received.subarray(result.byteLength);
      const next = this.handshake.next(result.value);
      if (next.done) {
        this.current = undefined;
        return { established: true, send, tunnelBytes: this.received };
      }
      this.current = next.value;
      send.push(next.value.request);
    }
  }
}
