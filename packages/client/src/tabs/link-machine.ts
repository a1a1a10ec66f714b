import { ConnectionErrorCode as Code, ConnectionStatus as Status, type DatabaseOpenStatus } from '../enums.js';
import type { InitOptions } from '../options.js';
import type { ForwardedMethod, HostToTab, TabEvent, TabToHost } from './tab-protocol.js';

/**
 * One tab's side of a shared connection: what the app asked for (connect, disconnect, logout,
 * calls), which host it is linked to, and what happens when that host dies or another takes over.
 * Pure: it returns effects for the tab's runtime (tab-link.ts) to carry out.
 *
 *   membership:  none ──connect──▶ connecting ──connected──▶ attached
 *                  ▲                  │ failed, time limit        │ ending status, disconnect, logout
 *                  └──────────────────┴───────────────────────────┘
 *   host:        down ──host-up──▶ up (a host-up with another id: the old host died, the new one took over)
 *
 * When the host goes, calls it had not answered are failed with IPC_DISCONNECT, except sends:
 * those carry the client id the tab chose and are asked of the next host again, which sends each
 * once (the queue is in the shared local database). An attached tab hears SUSPEND with
 * IPC_DISCONNECT, and re-attaches to the next host by itself.
 */
export type Membership = 'none' | 'connecting' | 'attached';

export interface PendingCall {
  method: ForwardedMethod;
  args: unknown[];
  clientId: string | undefined;
  /** Handed to the current host. */
  posted: boolean;
}

export interface ConnectRequest {
  request: number;
  appKey: string;
  options: InitOptions;
  token: string;
  userId: string | undefined;
}

export interface LinkState {
  tab: string;
  host: string | undefined;
  membership: Membership;
  connect: ConnectRequest | undefined;
  pending: ReadonlyMap<number, PendingCall>;
}

export type LinkEvent =
  | { type: 'host-up'; host: string }
  | { type: 'host-down' }
  | { type: 'connect'; connect: ConnectRequest; timeLimitMs: number }
  | { type: 'disconnect' }
  | { type: 'logout' }
  | { type: 'deadline'; request: number }
  | { type: 'call'; request: number; method: ForwardedMethod; args: unknown[]; clientId: string | undefined }
  | { type: 'from-host'; message: HostToTab };

export type LinkEffect =
  | { type: 'post'; message: TabToHost }
  | { type: 'status'; status: Status; code: number | undefined }
  | { type: 'database-opened'; status: DatabaseOpenStatus; userId: string }
  | { type: 'success'; userId: string }
  | { type: 'error'; code: number }
  /** A second connect while one is on: only it fails (34001). */
  | { type: 'reject-connect'; code: number }
  | { type: 'start-deadline'; request: number; delayMs: number }
  | { type: 'cancel-deadline' }
  | { type: 'settle'; request: number; message: HostToTab & { kind: 'result' } }
  | { type: 'fail-call'; request: number; code: number }
  | { type: 'callback'; request: number; key: string; args: unknown[] }
  | { type: 'emit'; event: TabEvent; payload: unknown };

export interface LinkTransition {
  state: LinkState;
  effects: LinkEffect[];
}

export const initialLinkState = (tab: string): LinkState => ({ tab, host: undefined, membership: 'none', connect: undefined, pending: new Map() });

/** Statuses of a connection the SDK still keeps: any other one ends the tab's membership. */
const LIVE_STATUSES: ReadonlySet<Status> = new Set([Status.CONNECTED, Status.CONNECTING, Status.SUSPEND, Status.NETWORK_UNAVAILABLE]);

export function linkTransition(state: LinkState, event: LinkEvent): LinkTransition {
  const stay: LinkTransition = { state, effects: [] };
  const { tab } = state;
  switch (event.type) {
    case 'host-up': {
      if (event.host === state.host) return stay;
      const down = state.host === undefined ? stay : hostDown(state);
      const effects: LinkEffect[] = [...down.effects, { type: 'post', message: { kind: 'hello', tab } }];
      const s = down.state;
      if (s.membership !== 'none' && s.connect) effects.push({ type: 'post', message: connectMessage(tab, s.connect, s.membership === 'attached') });
      const pending = new Map<number, PendingCall>();
      for (const [request, call] of s.pending) {
        pending.set(request, { ...call, posted: true });
        effects.push({ type: 'post', message: { kind: 'call', tab, request, method: call.method, args: call.args, clientId: call.clientId } });
      }
      return { state: { ...s, host: event.host, pending }, effects };
    }

    case 'host-down':
      return state.host === undefined ? stay : hostDown(state);

    case 'connect': {
      if (state.membership !== 'none') return { state, effects: [{ type: 'reject-connect', code: Code.RC_CONNECTION_EXIST }] };
      const { connect, timeLimitMs } = event;
      const effects: LinkEffect[] = [{ type: 'status', status: Status.CONNECTING, code: undefined }];
      if (timeLimitMs > 0) effects.push({ type: 'start-deadline', request: connect.request, delayMs: timeLimitMs });
      if (state.host !== undefined) effects.push({ type: 'post', message: connectMessage(tab, connect, false) });
      return { state: { ...state, membership: 'connecting', connect }, effects };
    }

    case 'deadline': {
      if (state.membership !== 'connecting' || state.connect?.request !== event.request) return stay;
      return {
        state: { ...state, membership: 'none' },
        effects: [...leave(state), { type: 'status', status: Status.TIMEOUT, code: Code.RC_CONNECT_TIMEOUT }, { type: 'error', code: Code.RC_CONNECT_TIMEOUT }],
      };
    }

    case 'disconnect':
    case 'logout': {
      if (state.membership === 'none') return stay;
      const logout = event.type === 'logout';
      const connecting = state.membership === 'connecting';
      const effects: LinkEffect[] = connecting ? [{ type: 'cancel-deadline' }] : [];
      effects.push(...(logout && state.host !== undefined ? [{ type: 'post', message: { kind: 'logout', tab } } as const] : leave(state)));
      effects.push({ type: 'status', status: logout ? Status.SIGN_OUT : Status.UNCONNECTED, code: undefined });
      // An app that disconnects during its first connect still hears that the connect ended.
      if (connecting) effects.push({ type: 'error', code: Code.RC_NET_CHANNEL_INVALID });
      return { state: { ...state, membership: 'none' }, effects };
    }

    case 'call': {
      const posted = state.host !== undefined;
      const pending = new Map(state.pending);
      pending.set(event.request, { method: event.method, args: event.args, clientId: event.clientId, posted });
      const effects: LinkEffect[] = posted ? [{ type: 'post', message: { kind: 'call', tab, request: event.request, method: event.method, args: event.args, clientId: event.clientId } }] : [];
      return { state: { ...state, pending }, effects };
    }

    case 'from-host':
      return fromHost(state, event.message);
  }
}

function fromHost(state: LinkState, message: HostToTab): LinkTransition {
  const stay: LinkTransition = { state, effects: [] };
  const current = (request: number) => state.membership === 'connecting' && state.connect?.request === request;
  switch (message.kind) {
    case 'host-up':
      return stay;
    case 'result': {
      if (!state.pending.has(message.request)) return stay;
      const pending = new Map(state.pending);
      pending.delete(message.request);
      return { state: { ...state, pending }, effects: [{ type: 'settle', request: message.request, message }] };
    }
    case 'callback':
      return state.pending.has(message.request) ? { state, effects: [{ type: 'callback', request: message.request, key: message.key, args: message.args }] } : stay;
    case 'database-opened':
      return current(message.request) ? { state, effects: [{ type: 'database-opened', status: message.status, userId: message.userId }] } : stay;
    case 'connected':
      if (!current(message.request)) return stay;
      // Kept for a re-attach to another host, which then opens the user's database before any network I/O.
      return {
        state: { ...state, membership: 'attached', connect: state.connect && { ...state.connect, userId: message.userId } },
        effects: [{ type: 'cancel-deadline' }, { type: 'success', userId: message.userId }],
      };
    case 'connect-failed':
      if (!current(message.request)) return stay;
      return { state: { ...state, membership: 'none' }, effects: [{ type: 'cancel-deadline' }, { type: 'error', code: message.code }] };
    case 'status': {
      if (state.membership === 'none') return stay;
      const effects: LinkEffect[] = [{ type: 'status', status: message.status, code: message.code }];
      // During the first connect the host's connect-failed follows with the code.
      if (state.membership === 'attached' && !LIVE_STATUSES.has(message.status)) return { state: { ...state, membership: 'none' }, effects };
      return { state, effects };
    }
    case 'event':
      return state.membership === 'attached' ? { state, effects: [{ type: 'emit', event: message.event, payload: message.payload }] } : stay;
  }
}

/** The host went: unanswered calls fail, except sends, which wait for the next host. */
function hostDown(state: LinkState): LinkTransition {
  const effects: LinkEffect[] = [];
  const pending = new Map<number, PendingCall>();
  for (const [request, call] of state.pending) {
    if (call.clientId !== undefined) pending.set(request, { ...call, posted: false });
    else effects.push({ type: 'fail-call', request, code: Code.IPC_DISCONNECT });
  }
  if (state.membership === 'attached') effects.push({ type: 'status', status: Status.SUSPEND, code: Code.IPC_DISCONNECT });
  return { state: { ...state, host: undefined, pending }, effects };
}

function leave(state: LinkState): LinkEffect[] {
  return state.host === undefined ? [] : [{ type: 'post', message: { kind: 'leave', tab: state.tab } }];
}

function connectMessage(tab: string, connect: ConnectRequest, resume: boolean): TabToHost {
  return { kind: 'connect', tab, request: connect.request, appKey: connect.appKey, options: connect.options, token: connect.token, userId: connect.userId, resume };
}
