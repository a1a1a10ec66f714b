import { encodeServerFrame, type FrameInput, type ServerFrame } from '@parley/protocol';
import type { WebSocket } from 'ws';
import type { SessionEntry } from '../bus/bus.js';

/**
 * handshaking: upgraded, waiting for credentials (URL or CONNECT frame);
 * authenticating: credentials received, admission in progress — any frame now is a protocol error;
 * open: CONNACK 0 sent, frames are dispatched; closed: socket gone, session released.
 */
export type ConnectionState = 'handshaking' | 'authenticating' | 'open' | 'closed';

/** A client that lets this much outgoing data pile up is too slow to keep. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

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
  keepAliveMs = 0;
  lastSeen: number;
  /** The id of the last PUBLISH this server sent on this connection. */
  lastPushId = 0;
  /** An s_ntf went out and the client has not pulled since: further notices wait (see Gateway). */
  awaitingPull = false;
  /** The highest inbox cursor noticed while awaiting that pull. */
  heldCursor = 0;

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

  /** Sends a last frame (if any), then closes; the close handshake lets the frame arrive first. */
  end(code: number, reason: string, lastFrame?: FrameInput<ServerFrame>): void {
    if (lastFrame) this.send(lastFrame);
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }
}
