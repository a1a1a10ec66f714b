import { BUSINESS_ERROR_CODES, ConnectionErrorCode as Code, ConnectionStatus as Status } from '../enums.js';
import { backoffDelay } from './backoff.js';

/**
 * The client's connection state machine: every state, event and transition of connect, reconnect
 * and disconnect in one place. Pure: it returns effects (open a socket, start a timer, report a
 * status) for the driver to carry out, so it is tested with no sockets and no clock.
 *
 * idle ──connect──▶ connecting ──success──▶ connected ──lost──▶ reconnecting ──success──▶ connected
 *   ▲                   │ business error / deadline                  │ business error, kick, block
 *   └───────────────────┴────────────────── disconnect / logout ─────┴──────────▶ idle (final status)
 *
 * `connecting` is the first connect, whose outcome goes to the app's onSuccess/onError; after
 * that the SDK owns the connection and only reports statuses. Each phase is `attempting` (a socket
 * attempt is in flight), `waiting` (a retry timer runs) or `offline` (the network is down: no
 * attempts until it returns).
 */
export type Phase = 'attempting' | 'waiting' | 'offline';

export type MachineState =
  | { name: 'idle'; status: Status }
  | { name: 'connecting'; phase: Phase; attempt: number; attemptId: number; hasDeadline: boolean }
  | { name: 'connected'; attemptId: number }
  | { name: 'reconnecting'; phase: Phase; attempt: number; attemptId: number };

export type MachineEvent =
  | { type: 'connect'; timeLimitMs: number }
  | { type: 'attempt-succeeded'; attemptId: number; userId: string }
  | { type: 'attempt-failed'; attemptId: number; code: number }
  | { type: 'connection-lost'; attemptId: number; code: number }
  /** A DISCONNECT frame from the server, as a client code (31010, 31011, 31006, ...). */
  | { type: 'server-disconnect'; attemptId: number; code: number }
  | { type: 'retry-timer' }
  | { type: 'deadline' }
  | { type: 'network-online' }
  | { type: 'network-offline' }
  | { type: 'disconnect' }
  | { type: 'logout' };

export type Effect =
  | { type: 'open-socket'; attemptId: number }
  | { type: 'close-socket'; logout: boolean }
  | { type: 'start-retry-timer'; delayMs: number }
  | { type: 'cancel-retry-timer' }
  | { type: 'start-deadline'; delayMs: number }
  | { type: 'cancel-deadline' }
  /** Navigation answers are no longer to be trusted (the server redirected us). */
  | { type: 'forget-navigation' }
  | { type: 'status'; status: Status; code?: number }
  | { type: 'success'; userId: string }
  | { type: 'error'; code: number }
  | { type: 'reject-connect'; code: number };

export interface Transition {
  state: MachineState;
  effects: Effect[];
}

export const initialState: MachineState = { name: 'idle', status: Status.UNCONNECTED };

/** Where a business error leaves the client: the status the app sees, and no more attempts. */
export function finalStatusFor(code: number): Status {
  switch (code) {
    case Code.RC_DISCONN_KICK:
    case Code.RC_CONN_OTHER_DEVICE_LOGIN:
      return Status.KICKED_OFFLINE_BY_OTHER_CLIENT;
    case Code.RC_CONN_USER_BLOCKED:
    case Code.RC_DISCONN_USER_BLOCKED:
      return Status.CONN_USER_BLOCKED;
    case Code.RC_CONN_TOKEN_INCORRECT:
    case Code.RC_CONN_TOKEN_EXPIRE:
      return Status.TOKEN_INCORRECT;
    default:
      return Status.UNCONNECTED;
  }
}

/** DISCONNECT codes that end the session for good; any other one is treated as a lost connection. */
const ENDING_DISCONNECTS: ReadonlySet<number> = new Set([
  Code.RC_DISCONN_KICK,
  Code.RC_DISCONN_USER_BLOCKED,
  Code.RC_CONN_TOKEN_EXPIRE,
  Code.RC_CONN_USER_DEACTIVATED,
]);

export function transition(state: MachineState, event: MachineEvent, random: () => number): Transition {
  const stay: Transition = { state, effects: [] };
  switch (event.type) {
    case 'connect': {
      if (state.name !== 'idle') return { state, effects: [{ type: 'reject-connect', code: Code.RC_CONNECTION_EXIST }] };
      const hasDeadline = event.timeLimitMs > 0;
      const attemptId = 1;
      return {
        state: { name: 'connecting', phase: 'attempting', attempt: 0, attemptId, hasDeadline },
        effects: [
          { type: 'status', status: Status.CONNECTING },
          ...(hasDeadline ? [{ type: 'start-deadline', delayMs: event.timeLimitMs } as const] : []),
          { type: 'open-socket', attemptId },
        ],
      };
    }

    case 'attempt-succeeded': {
      if (!isAttemptOf(state, event.attemptId)) return stay;
      const connected: MachineState = { name: 'connected', attemptId: event.attemptId };
      if (state.name === 'connecting') {
        return {
          state: connected,
          effects: [{ type: 'cancel-deadline' }, { type: 'status', status: Status.CONNECTED }, { type: 'success', userId: event.userId }],
        };
      }
      return { state: connected, effects: [{ type: 'status', status: Status.CONNECTED }] };
    }

    case 'attempt-failed': {
      if (!isAttemptOf(state, event.attemptId) || (state.name !== 'connecting' && state.name !== 'reconnecting')) return stay;
      if (BUSINESS_ERROR_CODES.has(event.code)) return end(state, event.code);
      return waitToRetry(state, state.attempt, event.code, random);
    }

    case 'connection-lost': {
      if (state.name !== 'connected' || state.attemptId !== event.attemptId) return stay;
      return lose(state, event.code, random, []);
    }

    case 'server-disconnect': {
      if (state.name !== 'connected' || state.attemptId !== event.attemptId) return stay;
      if (ENDING_DISCONNECTS.has(event.code)) return end(state, event.code);
      return lose(state, event.code, random, [{ type: 'forget-navigation' }]);
    }

    case 'retry-timer': {
      if ((state.name !== 'connecting' && state.name !== 'reconnecting') || state.phase !== 'waiting') return stay;
      const attemptId = state.attemptId + 1;
      return {
        state: { ...state, phase: 'attempting', attemptId },
        effects: [...(state.name === 'reconnecting' ? [{ type: 'status', status: Status.CONNECTING } as const] : []), { type: 'open-socket', attemptId }],
      };
    }

    case 'deadline': {
      if (state.name !== 'connecting') return stay;
      return {
        state: { name: 'idle', status: Status.TIMEOUT },
        effects: [
          { type: 'cancel-retry-timer' },
          { type: 'close-socket', logout: false },
          { type: 'status', status: Status.TIMEOUT, code: Code.RC_CONNECT_TIMEOUT },
          { type: 'error', code: Code.RC_CONNECT_TIMEOUT },
        ],
      };
    }

    case 'network-offline': {
      if (state.name === 'idle' || ((state.name === 'connecting' || state.name === 'reconnecting') && state.phase === 'offline')) return stay;
      const attemptId = state.attemptId + 1;
      const effects: Effect[] = [{ type: 'cancel-retry-timer' }, { type: 'close-socket', logout: false }, { type: 'status', status: Status.NETWORK_UNAVAILABLE }];
      if (state.name === 'connecting') return { state: { ...state, phase: 'offline', attemptId }, effects };
      return { state: { name: 'reconnecting', phase: 'offline', attempt: 0, attemptId }, effects };
    }

    case 'network-online': {
      // The network came back: start the schedule again, with an immediate attempt.
      if ((state.name !== 'connecting' && state.name !== 'reconnecting') || state.phase === 'attempting') return stay;
      const attemptId = state.attemptId + 1;
      return {
        state: { ...state, phase: 'attempting', attempt: 0, attemptId },
        effects: [{ type: 'cancel-retry-timer' }, { type: 'status', status: Status.CONNECTING }, { type: 'open-socket', attemptId }],
      };
    }

    case 'disconnect':
    case 'logout': {
      const status = event.type === 'logout' ? Status.SIGN_OUT : Status.UNCONNECTED;
      if (state.name === 'idle') return { state: { name: 'idle', status }, effects: [] };
      const effects: Effect[] = [{ type: 'cancel-retry-timer' }, { type: 'close-socket', logout: event.type === 'logout' }, { type: 'status', status }];
      // An app that disconnects during its first connect still hears that the connect ended.
      return { state: { name: 'idle', status }, effects: state.name === 'connecting' ? firstConnectEnds(effects, Code.RC_NET_CHANNEL_INVALID) : effects };
    }
  }
}

function isAttemptOf(state: MachineState, attemptId: number): boolean {
  return (state.name === 'connecting' || state.name === 'reconnecting') && state.phase === 'attempting' && state.attemptId === attemptId;
}

/** A business error or an ending DISCONNECT: report it, close, make no more attempts. */
function end(state: Exclude<MachineState, { name: 'idle' }>, code: number): Transition {
  const status = finalStatusFor(code);
  const effects: Effect[] = [{ type: 'cancel-retry-timer' }, { type: 'close-socket', logout: false }, { type: 'status', status, code }];
  return { state: { name: 'idle', status }, effects: state.name === 'connecting' ? firstConnectEnds(effects, code) : effects };
}

/** The first connect's outcome also goes to the app's onError, and its deadline stops. */
function firstConnectEnds(effects: Effect[], code: number): Effect[] {
  return [{ type: 'cancel-deadline' }, ...effects, { type: 'error', code }];
}

function waitToRetry(state: Extract<MachineState, { name: 'connecting' | 'reconnecting' }>, attempt: number, code: number, random: () => number): Transition {
  const effects: Effect[] = [{ type: 'start-retry-timer', delayMs: backoffDelay(attempt, random) }];
  if (state.name === 'reconnecting') effects.unshift({ type: 'status', status: Status.SUSPEND, code });
  return { state: { ...state, phase: 'waiting', attempt: attempt + 1 }, effects };
}

function lose(state: Extract<MachineState, { name: 'connected' }>, code: number, random: () => number, extra: Effect[]): Transition {
  return {
    state: { name: 'reconnecting', phase: 'waiting', attempt: 1, attemptId: state.attemptId },
    effects: [...extra, { type: 'close-socket', logout: false }, { type: 'status', status: Status.SUSPEND, code }, { type: 'start-retry-timer', delayMs: backoffDelay(0, random) }],
  };
}
