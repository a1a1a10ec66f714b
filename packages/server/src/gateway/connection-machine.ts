import type { ClientFrame, ConnectFrame, FrameInput, ServerFrame } from '@parley/protocol';
import type { Handshake } from './handshake.js';
import type { CloseReason } from './transport.js';

/**
 * The server side of one connection, whatever transport carries it: every state, event and
 * transition in one place. Pure: it returns effects for the gateway to carry out, so it is tested
 * with no sockets and no clock.
 *
 * queued ──allowed──▶ handshaking ──credentials / CONNECT──▶ authenticating ──admitted──▶ open
 *    │ credentials / CONNECT                 ▲                      │ refused (CONNACK n)   │ kicked, blocked (DISCONNECT n),
 *    ▼                                       │                      │ deadline              │ client DISCONNECT, silence,
 * queued-with-credentials ──allowed──────────┘ (straight to authenticating)                  │
 *    every state: any other frame, too many handshakes (CONNACK 3), deadline ──────────────────┴──▶ closed
 *
 * A connection waits in `queued` for its turn in the per-address handshake budget; credentials that
 * arrive meanwhile (in the URL, or a CONNECT in the first bytes) are parked, so nothing is admitted,
 * and nobody kicked, before the budget says yes. A session admitted after its connection closed is
 * given back at once; every connection is released exactly once.
 */
export type ConnectionState = 'queued' | 'queued-with-credentials' | 'handshaking' | 'authenticating' | 'open' | 'closed';

/** Credentials as they arrived: in the WebSocket URL (the official Web SDK) or in a CONNECT frame. */
export type Credentials = { from: 'url'; handshake: Handshake } | { from: 'connect'; frame: ConnectFrame };

export type ConnectionEvent =
  /** The handshake budget let the connection through; `parked`: credentials that came while it waited. */
  | { type: 'allowed'; parked?: Credentials }
  | { type: 'credentials'; credentials: Credentials }
  | { type: 'frame'; frame: ClientFrame }
  /** Bytes that are not a frame, or a frame the server failed on: the connection cannot go on. */
  | { type: 'fault'; reason: CloseReason; detail: string }
  | { type: 'admitted' }
  /** Admission said no (CONNACK `status`): a bad token, a blocked user, too many handshakes, a store that is down. */
  | { type: 'refused'; status: number; detail: string; reason?: CloseReason }
  /** The server ends a live session (DISCONNECT `status`): kicked, blocked, its app changed. */
  | { type: 'dropped'; status: number; detail: string }
  /** The handshake deadline or the keepalive silence passed (see `isOverdue`). */
  | { type: 'overdue' }
  | { type: 'transport-closed' }
  | { type: 'shutdown' };

export type ConnectionEffect =
  /** Keep the credentials until the connection's turn comes. */
  | { type: 'park'; credentials: Credentials }
  | { type: 'authenticate'; credentials: Credentials }
  /** Run the frame's handler (queries and sends within the in-flight bounds). */
  | { type: 'dispatch'; frame: ClientFrame }
  /** Index the session and send CONNACK 0. */
  | { type: 'register' }
  /** The socket went away while admission ran: close the session admission opened. */
  | { type: 'give-back' }
  | { type: 'send'; frame: FrameInput<ServerFrame> }
  | { type: 'close'; reason: CloseReason; detail: string }
  | { type: 'destroy' }
  /** Forget the connection and close its session; exactly once per connection. */
  | { type: 'release' };

export interface Transition {
  state: ConnectionState;
  effects: ConnectionEffect[];
}

export function transition(state: ConnectionState, event: ConnectionEvent): Transition {
  const stay: Transition = { state, effects: [] };
  if (state === 'closed') return event.type === 'admitted' ? { state, effects: [{ type: 'give-back' }] } : stay;
  switch (event.type) {
    case 'allowed':
      if (state === 'queued') return { state: 'handshaking', effects: [] };
      if (state === 'queued-with-credentials' && event.parked) return { state: 'authenticating', effects: [{ type: 'authenticate', credentials: event.parked }] };
      return stay;

    case 'credentials':
      return credentialsArrived(state, event.credentials);

    case 'frame': {
      const { frame } = event;
      if (state === 'open') {
        if (frame.type === 'DISCONNECT') return ending('normal', 'client disconnected');
        if (frame.type === 'CONNECT') return ending('protocol-error', 'already connected');
        return { state, effects: [{ type: 'dispatch', frame }] };
      }
      if (frame.type === 'CONNECT' && (state === 'queued' || state === 'handshaking')) return credentialsArrived(state, { from: 'connect', frame });
      return ending('protocol-error', `unexpected ${frame.type} before the handshake completed`);
    }

    case 'fault':
      return ending(event.reason, event.detail);

    case 'admitted':
      return state === 'authenticating' ? { state: 'open', effects: [{ type: 'register' }] } : stay;

    case 'refused':
      // Past admission only a transport refuses (a CONNECT of another protocol version), and then
      // there is no CONNACK left to send: the connection just cannot go on.
      if (state === 'open') return ending('protocol-error', event.detail);
      return ending(event.reason ?? 'normal', event.detail, { type: 'CONNACK', status: event.status });

    case 'dropped':
      return state === 'open' ? ending('normal', event.detail, { type: 'DISCONNECT', status: event.status }) : stay;

    case 'overdue':
      return { state: 'closed', effects: [{ type: 'destroy' }, { type: 'release' }] };

    case 'transport-closed':
      return { state: 'closed', effects: [{ type: 'release' }] };

    case 'shutdown':
      return ending('going-away', 'server shutting down');
  }
}

/** Credentials are taken once: parked while the connection waits its turn, acted on once it is through. */
function credentialsArrived(state: ConnectionState, credentials: Credentials): Transition {
  if (state === 'queued') return { state: 'queued-with-credentials', effects: [{ type: 'park', credentials }] };
  if (state === 'handshaking') return { state: 'authenticating', effects: [{ type: 'authenticate', credentials }] };
  return ending('protocol-error', 'credentials twice');
}

/** A last frame (if any), a graceful close, and the release. */
function ending(reason: CloseReason, detail: string, lastFrame?: FrameInput<ServerFrame>): Transition {
  return {
    state: 'closed',
    effects: [...(lastFrame ? [{ type: 'send', frame: lastFrame } as const] : []), { type: 'close', reason, detail }, { type: 'release' }],
  };
}

/** A client is dropped after this many keepalive intervals of silence. */
export const SILENT_INTERVALS = 3;

export interface ConnectionTimes {
  openedAt: number;
  lastSeen: number;
  /** The agreed keepalive interval; set when the connection opens. */
  keepAliveMs: number;
}

/** Whether the connection has missed its deadline: credentials within `handshakeTimeoutMs`, then a frame every few keepalives. */
export function isOverdue(state: ConnectionState, times: ConnectionTimes, now: number, handshakeTimeoutMs: number): boolean {
  switch (state) {
    case 'queued':
    case 'queued-with-credentials':
    case 'handshaking':
    case 'authenticating':
      return now - times.openedAt > handshakeTimeoutMs;
    case 'open':
      return now - times.lastSeen > SILENT_INTERVALS * times.keepAliveMs;
    case 'closed':
      return false;
  }
}
