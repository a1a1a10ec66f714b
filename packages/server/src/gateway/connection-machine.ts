import type { ClientFrame, ConnectFrame, FrameInput, ServerFrame } from '@parley/protocol';
import type { Handshake } from './handshake.js';
import type { CloseReason } from './transport.js';

/**
 * The server side of one connection, whatever transport carries it: every state, event and
 * transition in one place. Pure: it returns effects for the gateway to carry out, so it is tested
 * with no sockets and no clock.
 *
 * handshaking ──credentials / CONNECT──▶ authenticating ──admitted──▶ open
 *      │                                    │ refused (CONNACK n)       │ kicked, blocked (DISCONNECT n),
 *      │ any other frame, deadline          │ deadline                  │ client DISCONNECT, silence,
 *      └────────────────────────────────────┴───────────────────────────┴──▶ closed (session released once)
 *
 * A session admitted after its connection closed is given back at once.
 */
export type ConnectionState = 'handshaking' | 'authenticating' | 'open' | 'closed';

/** Credentials as they arrived: in the WebSocket URL (the official Web SDK) or in a CONNECT frame. */
export type Credentials = { from: 'url'; handshake: Handshake } | { from: 'connect'; frame: ConnectFrame };

export type ConnectionEvent =
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
    case 'credentials':
      if (state !== 'handshaking') return ending('protocol-error', 'credentials twice');
      return { state: 'authenticating', effects: [{ type: 'authenticate', credentials: event.credentials }] };

    case 'frame': {
      const { frame } = event;
      if (state === 'open') {
        if (frame.type === 'DISCONNECT') return ending('normal', 'client disconnected');
        if (frame.type === 'CONNECT') return ending('protocol-error', 'already connected');
        return { state, effects: [{ type: 'dispatch', frame }] };
      }
      if (state === 'handshaking' && frame.type === 'CONNECT') {
        return { state: 'authenticating', effects: [{ type: 'authenticate', credentials: { from: 'connect', frame } }] };
      }
      return ending('protocol-error', `unexpected ${frame.type} before the handshake completed`);
    }

    case 'fault':
      return ending(event.reason, event.detail);

    case 'admitted':
      return state === 'authenticating' ? { state: 'open', effects: [{ type: 'register' }] } : stay;

    case 'refused':
      if (state === 'open') return stay;
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
    case 'handshaking':
    case 'authenticating':
      return now - times.openedAt > handshakeTimeoutMs;
    case 'open':
      return now - times.lastSeen > SILENT_INTERVALS * times.keepAliveMs;
    case 'closed':
      return false;
  }
}
