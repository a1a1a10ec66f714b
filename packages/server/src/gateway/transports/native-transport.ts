import type { Socket } from 'node:net';
import {
  ConnAckStatus,
  decodeNativeClientFrame,
  encodeNativeServerFrame,
  FrameDecodeError,
  NativeDeframer,
  type FrameInput,
  type ServerFrame,
} from '@parley/protocol';
import type { Logger } from 'pino';
import type { Gateway } from '../gateway.js';
import type { FrameTransport, TransportEvents } from '../transport.js';
import { writeCoalescing } from './write-coalescing.js';

/** How long a closed native connection may take to send what it still has before it is cut. */
const CLOSE_GRACE_MS = 2000;
/**
 * The largest frame a client that has not authenticated may send: a CONNECT is well under a KiB, and
 * a stranger should not make the server hold a frame's worth of memory per connection.
 */
const PRE_AUTH_MAX_FRAME_BYTES = 4096;

/**
 * RMTP over TCP, the way RongCloud's native stack (Android, iOS, Electron) speaks it: the frames of
 * the WebSocket flavour in the framing of @parley/protocol's `native/` codec. The stack has no close
 * codes: the end of the stream is all it hears, so a reason goes in a frame before it (CONNACK,
 * DISCONNECT) or not at all.
 */
class NativeTransport implements FrameTransport {
  readonly flavor = 'native';
  readonly origin = undefined;

  constructor(
    private readonly socket: Socket,
    readonly ip: string,
    private readonly deframer: NativeDeframer,
    private readonly maxFrameBytes: number,
  ) {}

  opened(): void {
    this.deframer.setMaxFrameBytes(this.maxFrameBytes);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  get isOpen(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  send(frame: FrameInput<ServerFrame>): void {
    writeCoalescing.hold(this.socket);
    this.socket.write(encodeNativeServerFrame(frame));
  }

  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Hands a TCP connection that speaks native RMTP to the gateway. `head` holds bytes already read
 * from it (by the listener that told it apart from HTTP). A stream that stops making sense (a check
 * byte, length or signature that does not hold, a frame over the size limit) is closed with one log
 * line; a CONNECT for another protocol version is answered CONNACK 1 first.
 */
export function acceptNativeConnection(socket: Socket, gateway: Gateway, logger: Logger, head?: Buffer): void {
  socket.setNoDelay(true);
  const deframer = new NativeDeframer({ maxFrameBytes: PRE_AUTH_MAX_FRAME_BYTES });
  const transport = new NativeTransport(socket, socket.remoteAddress ?? 'unknown', deframer, gateway.options.maxFrameBytes);
  const events = gateway.accept(transport);
  const onData = (chunk: Buffer): void => {
    if (!deliver(events, deframer, chunk, transport)) return;
    socket.off('data', onData);
    logger.info({ ip: transport.ip }, 'native connection closed: not a well-formed RMTP stream');
  };
  socket.on('data', onData);
  // The HTTP port's server lets a peer half-close (for HTTP's sake), so a client that hangs up gives
  // an 'end' and no 'close': end it here, or its session would outlive it until the keepalive sweep.
  socket.once('end', () => socket.destroy());
  socket.on('close', () => events.closed());
  socket.on('error', () => socket.destroy());
  if (head && head.length > 0) onData(head);
}

/** Feeds bytes to the deframer and every whole frame to the core; true when the stream turned out broken. */
function deliver(events: TransportEvents, deframer: NativeDeframer, chunk: Buffer, transport: FrameTransport): boolean {
  try {
    deframer.push(chunk);
    // Each frame was paid for with bytes received, so this ends with the chunk.
    for (let wire = deframer.read(); wire !== undefined && transport.isOpen; wire = deframer.read()) {
      events.frame(decodeNativeClientFrame(wire));
    }
    return false;
  } catch (error) {
    if (!(error instanceof FrameDecodeError)) throw error;
    if (error.reason === 'unsupported-protocol') events.refused(ConnAckStatus.UNSUPPORTED_PROTOCOL_VERSION, error.message);
    else events.malformed('protocol-error', `malformed native frame: ${error.reason}`);
    return true;
  }
}
