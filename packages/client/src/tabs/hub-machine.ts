import { ConnectionErrorCode as Code, ConnectionStatus as Status, type DatabaseOpenStatus } from '../enums.js';
import type { HostToTab } from './tab-protocol.js';

/**
 * One shared connection and the tabs on it, as the host (shared worker or leader tab) sees them:
 * which tab waits for the connect, which is attached, when the connection opens and closes, and
 * what each tab hears. Pure: it returns effects for the host to carry out (tab-host.ts).
 *
 *   idle ──tab-connect──▶ connecting ──connected──▶ connected
 *     ▲                       │ connect-failed          │ an ending status (kick, block, token), logout,
 *     └───────────────────────┴─────────────────────────┴ or the last tab leaves
 *
 * The shared client connects with no time limit; a tab's own time limit is kept by the tab
 * (link-machine.ts), which leaves when it passes. A tab that joins a connection already up is
 * answered at once: database opened, CONNECTED, success.
 */
export type HubPhase = 'idle' | 'connecting' | 'connected';

export interface Membership {
  /** False once attached. */
  waiting: boolean;
  /** The tab's connect request, which its answers name. */
  request: number;
  /** Re-attaching after its host died: its connect was answered already, so it hears statuses only. */
  resume: boolean;
}

export interface HubState {
  phase: HubPhase;
  userId: string | undefined;
  database: DatabaseOpenStatus | undefined;
  tabs: ReadonlyMap<string, Membership>;
}

export type HubEvent =
  | { type: 'tab-connect'; tab: string; request: number; resume: boolean }
  /** Disconnect, the tab's time limit, or the tab closed: the others keep the connection. */
  | { type: 'tab-leave'; tab: string }
  | { type: 'tab-logout'; tab: string }
  | { type: 'database-opened'; status: DatabaseOpenStatus; userId: string }
  | { type: 'connected'; userId: string }
  | { type: 'connect-failed'; code: number }
  | { type: 'status'; status: Status; code: number | undefined };

export type HubEffect =
  /** Start the shared client's connect with this tab's token. */
  | { type: 'open'; tab: string }
  | { type: 'close'; logout: boolean }
  | { type: 'tell'; tab: string; message: HostToTab };

export interface HubTransition {
  state: HubState;
  effects: HubEffect[];
}

export const initialHubState: HubState = { phase: 'idle', userId: undefined, database: undefined, tabs: new Map() };

/** Statuses of a connection that is still the SDK's to keep: any other one ends it. */
const LIVE_STATUSES: ReadonlySet<Status> = new Set([Status.CONNECTED, Status.CONNECTING, Status.SUSPEND, Status.NETWORK_UNAVAILABLE]);

export function hubTransition(state: HubState, event: HubEvent): HubTransition {
  const stay: HubTransition = { state, effects: [] };
  const tell = (tab: string, message: HostToTab): HubEffect => ({ type: 'tell', tab, message });
  switch (event.type) {
    case 'tab-connect': {
      const { tab, request, resume } = event;
      const member = state.tabs.get(tab);
      if (member && !resume) return { state, effects: [tell(tab, { kind: 'connect-failed', request, code: Code.RC_CONNECTION_EXIST })] };
      if (state.phase === 'connected' && state.userId !== undefined) {
        const effects = resume
          ? [tell(tab, { kind: 'status', status: Status.CONNECTED, code: undefined })]
          : [
              tell(tab, { kind: 'database-opened', request, status: state.database ?? 0, userId: state.userId }),
              tell(tab, { kind: 'status', status: Status.CONNECTED, code: undefined }),
              tell(tab, { kind: 'connected', request, userId: state.userId }),
            ];
        return { state: withTab(state, tab, { waiting: false, request, resume }), effects };
      }
      const joined = withTab(state, tab, { waiting: true, request, resume });
      if (state.phase === 'connecting') {
        const known = state.database !== undefined && state.userId !== undefined && !resume;
        return { state: joined, effects: known ? [tell(tab, { kind: 'database-opened', request, status: state.database!, userId: state.userId! })] : [] };
      }
      return { state: { ...joined, phase: 'connecting', database: undefined }, effects: [{ type: 'open', tab }] };
    }

    case 'database-opened': {
      if (state.phase !== 'connecting') return stay;
      const effects = [...state.tabs]
        .filter(([, m]) => m.waiting && !m.resume)
        .map(([tab, m]) => tell(tab, { kind: 'database-opened', request: m.request, status: event.status, userId: event.userId }));
      return { state: { ...state, database: event.status, userId: event.userId }, effects };
    }

    case 'connected': {
      if (state.phase !== 'connecting') return stay;
      const tabs = new Map<string, Membership>();
      const effects: HubEffect[] = [];
      for (const [tab, m] of state.tabs) {
        tabs.set(tab, { ...m, waiting: false });
        if (m.waiting && !m.resume) effects.push(tell(tab, { kind: 'connected', request: m.request, userId: event.userId }));
      }
      return { state: { ...state, phase: 'connected', userId: event.userId, tabs }, effects };
    }

    case 'connect-failed': {
      if (state.phase !== 'connecting') return stay;
      const effects = [...state.tabs].filter(([, m]) => !m.resume).map(([tab, m]) => tell(tab, { kind: 'connect-failed', request: m.request, code: event.code }));
      return { state: { ...state, phase: 'idle', tabs: new Map() }, effects };
    }

    case 'status': {
      if (state.phase === 'idle') return stay;
      const effects = [...state.tabs.keys()].map((tab) => tell(tab, { kind: 'status', status: event.status, code: event.code }));
      // During the first connect, connect-failed follows and answers the waiting tabs.
      if (state.phase === 'connected' && !LIVE_STATUSES.has(event.status)) return { state: { ...state, phase: 'idle', tabs: new Map() }, effects };
      return { state, effects };
    }

    case 'tab-leave': {
      if (!state.tabs.has(event.tab)) return stay;
      const tabs = new Map(state.tabs);
      tabs.delete(event.tab);
      if (tabs.size > 0 || state.phase === 'idle') return { state: { ...state, tabs }, effects: [] };
      return { state: { ...state, phase: 'idle', tabs }, effects: [{ type: 'close', logout: false }] };
    }

    case 'tab-logout': {
      if (!state.tabs.has(event.tab)) return stay;
      // Logging out ends the session for every tab of it, as it would end one tab's own connection.
      const effects: HubEffect[] = [];
      for (const [tab, m] of state.tabs) {
        if (tab === event.tab) continue;
        effects.push(tell(tab, { kind: 'status', status: Status.SIGN_OUT, code: undefined }));
        if (m.waiting && !m.resume) effects.push(tell(tab, { kind: 'connect-failed', request: m.request, code: Code.RC_NET_CHANNEL_INVALID }));
      }
      effects.push({ type: 'close', logout: true });
      return { state: { ...state, phase: 'idle', tabs: new Map() }, effects };
    }
  }
}

function withTab(state: HubState, tab: string, membership: Membership): HubState {
  const tabs = new Map(state.tabs);
  tabs.set(tab, membership);
  return { ...state, tabs };
}

/** The tabs that hear the shared client's events: those attached now. */
export function attachedTabs(state: HubState): string[] {
  return [...state.tabs].filter(([, m]) => !m.waiting).map(([tab]) => tab);
}
