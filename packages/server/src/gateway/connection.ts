import { encodeServerFrame, type ClientFrame, type FrameInput, type ServerFrame } from '@parley/protocol';
import type { WebSocket } from 'ws';
import type { SessionEntry } from '../bus/bus.js';
import { InFlight, PUBLISH_BOUNDS, QUERY_BOUNDS } from './in-flight.js';

/** The frames a connection runs within its in-flight bounds. */
export type BoundedFrame = Extract<ClientFrame, { type: 'QUERY' | 'PUBLISH' }>;

/**
 * handshaking: upgraded, waiting for credentials (URL or CONNECT frame);
 * authenticating: credentials received, admission in progress — any frame now is a protocol error;
 * open: CONNACK 0 sent, frames are dispatched; closed: socket gone, session released.
 */
export type ConnectionState = 'handshaking' | 'authenticating' | 'open' | 'closed';

/** A client that lets this much outgoing data pile up is too slow to keep. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const DRAIN_POLL_MS = 5;

/** WebSocket close codes the gateway uses. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  POLICY_VIOLATION: 1008,
} as const;

/**
 * One client socket and what the gateway knows of it. Deliberately small, with no timers of its own:
 * the gateway's sweep checks deadlines for every connection at once, which keeps idle connections cheap.
 */
export class GatewayConnection {
  state: ConnectionState = 'handshaking';
  session: SessionEntry | undefined;
  /** Names the token key the session's token was verified with; set with `session`. */
  keyFingerprint: string | undefined;
  keepAliveMs = 0;
  lastSeen: number;
  /** The id of the last PUBLISH this server sent on this connection. */
  lastPushId = 0;
  /** An s_ntf went out and the client has not pulled since: further notices wait (see Gateway). */
  awaitingPull = false;
  /** The highest inbox cursor noticed while awaiting that pull. */
  heldCursor = 0;
  /** QUERY frames being answered now and waiting their turn. */
  readonly queries = new InFlight<BoundedFrame>(QUERY_BOUNDS.running, QUERY_BOUNDS.waiting);
  /** PUBLISH frames being handled now. */
  readonly publishes = new InFlight<BoundedFrame>(PUBLISH_BOUNDS.running, PUBLISH_BOUNDS.waiting);

  constructor(
    readonly socket: WebSocket,
    readonly ip: string,
    readonly origin: string | undefined,
    readonly openedAt: number,
  ) {
    this.lastSeen = openedAt;
  }

  send(frame: FrameInput<ServerFrame>): void {
    if (this.state === 'closed' || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.terminate();
      return;
    }
    this.socket.send(encodeServerFrame(frame), { binary: true });
  }

  /**
   * Resolves once the bytes waiting to be sent are at most `bytes`, or the connection is gone.
   * Polled: a WebSocket has no drain event of its own, and only a congested connection waits here.
   */
  async drainedBelow(bytes: number): Promise<void> {
    while (this.state !== 'closed' && this.socket.readyState === this.socket.OPEN && this.socket.bufferedAmount > bytes) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** Sends a last frame (if any), then closes; the close handshake lets the frame arrive first. */
  end(code: number, reason: string, lastFrame?: FrameInput<ServerFrame>): void {
    if (lastFrame) this.send(lastFrame);
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }
}
