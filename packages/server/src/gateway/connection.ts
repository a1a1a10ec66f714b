import type { ClientFrame, FrameInput, ServerFrame } from '@parley/protocol';
import type { SessionEntry } from '../bus/bus.js';
import { DeviceSync } from '../core/messaging/device-sync.js';
import type { ConnectionState, ConnectionTimes, Credentials } from './connection-machine.js';
import { InFlight, PUBLISH_BOUNDS, QUERY_BOUNDS } from './in-flight.js';
import type { FrameTransport } from './transport.js';

/** The frames a connection runs within its in-flight bounds. */
export type BoundedFrame = Extract<ClientFrame, { type: 'QUERY' | 'PUBLISH' }>;

/** A client that lets this much outgoing data pile up is too slow to keep. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** A congested connection is looked at again after this long at first, then ever less often. */
const DRAIN_POLL_MS = { first: 5, last: 200 };

/**
 * One client connection and what the gateway knows of it, over any transport. Deliberately small,
 * with no timers of its own: the gateway's sweep checks deadlines for every connection at once,
 * which keeps idle connections cheap. Its state changes only through connection-machine.ts.
 */
export class GatewayConnection implements ConnectionTimes {
  state: ConnectionState = 'queued';
  /** Credentials that arrived while the connection waited for its turn (the machine's `park`). */
  parked: Credentials | undefined;
  session: SessionEntry | undefined;
  /** Names the token key the session's token was verified with; set with `session`. */
  keyFingerprint: string | undefined;
  /** The client's SDK version, when its handshake said. */
  sdkVersion: string | undefined;
  keepAliveMs = 0;
  lastSeen: number;
  /** The id of the last PUBLISH this server sent on this connection. */
  lastPushId = 0;
  /** When an s_ntf went out that the client has not pulled since; further notices wait (see Gateway). */
  awaitingPullSince: number | undefined;
  /** The cursor that s_ntf named. */
  noticedCursor = 0;
  /** The highest inbox cursor noticed while awaiting that pull. */
  heldCursor = 0;
  /**
   * Chatrooms with an s_ntf out that the client has not pulled since (see Gateway): when it went,
   * the time it named, the newest time held back meanwhile, and whether it was already a repeat.
   */
  readonly roomNotices = new Map<string, { since: number; noticed: number; held: number; repeated: boolean }>();
  /** What this device has been sent of changed messages (core/messaging/device-sync.ts). */
  readonly sync = new DeviceSync();
  /** QUERY frames being answered now and waiting their turn. */
  readonly queries = new InFlight<BoundedFrame>(QUERY_BOUNDS.running, QUERY_BOUNDS.waiting);
  /** PUBLISH frames being handled now. */
  readonly publishes = new InFlight<BoundedFrame>(PUBLISH_BOUNDS.running, PUBLISH_BOUNDS.waiting);
  /** The sends being handled now, each settled once its PUBACK is written (see Gateway.dispatch). */
  readonly sending = new Set<Promise<void>>();

  constructor(
    readonly transport: FrameTransport,
    readonly openedAt: number,
  ) {
    this.lastSeen = openedAt;
  }

  /** Sends on an open connection; a client that does not read its answers is cut off. */
  send(frame: FrameInput<ServerFrame>): void {
    if (this.state === 'closed') return;
    this.write(frame);
  }

  /** Sends even on a connection that has just been decided closed: its last frame (CONNACK, DISCONNECT). */
  write(frame: FrameInput<ServerFrame>): void {
    if (!this.transport.isOpen) return;
    if (this.transport.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.transport.destroy();
      return;
    }
    this.transport.send(frame);
  }

  /**
   * Resolves once the bytes waiting to be sent are at most `bytes`, or the connection is gone.
   * Polled: a WebSocket has no drain event of its own, and only a congested connection waits here.
   */
  async drainedBelow(bytes: number): Promise<void> {
    for (let wait = DRAIN_POLL_MS.first; this.state !== 'closed' && this.transport.isOpen && this.transport.bufferedAmount > bytes; wait = Math.min(wait * 2, DRAIN_POLL_MS.last)) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
