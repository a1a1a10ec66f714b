import { describe, expect, it } from 'vitest';
import { ConnectionErrorCode as Code, ConnectionStatus as Status, DatabaseOpenStatus } from '../enums.js';
import { attachedTabs, hubTransition, initialHubState, type HubEffect, type HubEvent, type HubState } from './hub-machine.js';
import type { HostToTab } from './tab-protocol.js';

/** Steps the machine, keeping what each tab was told and what was done to the shared connection. */
class Hub {
  state: HubState = initialHubState;
  readonly told = new Map<string, HostToTab[]>();
  readonly actions: HubEffect[] = [];

  step(event: HubEvent): void {
    const { state, effects } = hubTransition(this.state, event);
    this.state = state;
    for (const effect of effects) {
      if (effect.type === 'tell') this.told.set(effect.tab, [...(this.told.get(effect.tab) ?? []), effect.message]);
      else this.actions.push(effect);
    }
  }

  heard(tab: string): HostToTab[] {
    const heard = this.told.get(tab) ?? [];
    this.told.delete(tab);
    return heard;
  }

  /** One tab connects and the shared connection comes up as carol. */
  static connected(tab = 'a'): Hub {
    const hub = new Hub();
    hub.step({ type: 'tab-connect', tab, request: 1, resume: false });
    hub.step({ type: 'database-opened', status: DatabaseOpenStatus.DATABASE_OPEN_SUCCESS, userId: 'carol' });
    hub.step({ type: 'status', status: Status.CONNECTED, code: undefined });
    hub.step({ type: 'connected', userId: 'carol' });
    hub.heard(tab);
    hub.actions.length = 0;
    return hub;
  }
}

const statusOf = (status: Status, code?: number): HostToTab => ({ kind: 'status', status, code });

describe('the hub machine: one shared connection, many tabs', () => {
  it('the first tab opens the connection and hears, in order, the database, the status and its success', () => {
    const hub = new Hub();
    hub.step({ type: 'tab-connect', tab: 'a', request: 7, resume: false });
    expect(hub.actions).toEqual([{ type: 'open', tab: 'a' }]);
    expect(hub.state.phase).toBe('connecting');
    hub.step({ type: 'database-opened', status: DatabaseOpenStatus.DATABASE_OPEN_SUCCESS, userId: 'carol' });
    hub.step({ type: 'status', status: Status.CONNECTED, code: undefined });
    hub.step({ type: 'connected', userId: 'carol' });
    expect(hub.heard('a')).toEqual([
      { kind: 'database-opened', request: 7, status: DatabaseOpenStatus.DATABASE_OPEN_SUCCESS, userId: 'carol' },
      statusOf(Status.CONNECTED),
      { kind: 'connected', request: 7, userId: 'carol' },
    ]);
    expect(attachedTabs(hub.state)).toEqual(['a']);
  });

  it('a second tab joining a connection that is up succeeds at once, with no new connect and never 34001', () => {
    const hub = Hub.connected();
    hub.step({ type: 'tab-connect', tab: 'b', request: 1, resume: false });
    expect(hub.actions).toEqual([]);
    expect(hub.heard('b')).toEqual([
      { kind: 'database-opened', request: 1, status: DatabaseOpenStatus.DATABASE_OPEN_SUCCESS, userId: 'carol' },
      statusOf(Status.CONNECTED),
      { kind: 'connected', request: 1, userId: 'carol' },
    ]);
    expect(attachedTabs(hub.state).sort()).toEqual(['a', 'b']);
  });

  it('a tab joining during the first connect waits for it: one connect, both answered', () => {
    const hub = new Hub();
    hub.step({ type: 'tab-connect', tab: 'a', request: 1, resume: false });
    hub.step({ type: 'database-opened', status: DatabaseOpenStatus.DATABASE_OPEN_SUCCESS, userId: 'carol' });
    hub.step({ type: 'tab-connect', tab: 'b', request: 4, resume: false });
    expect(hub.heard('b')).toEqual([{ kind: 'database-opened', request: 4, status: DatabaseOpenStatus.DATABASE_OPEN_SUCCESS, userId: 'carol' }]);
    hub.step({ type: 'connected', userId: 'carol' });
    expect(hub.actions.filter((a) => a.type === 'open')).toHaveLength(1);
    expect(hub.heard('b')).toEqual([{ kind: 'connected', request: 4, userId: 'carol' }]);
  });

  it('the same tab connecting again is refused with 34001 and the connection is untouched', () => {
    const hub = Hub.connected();
    const before = hub.state;
    hub.step({ type: 'tab-connect', tab: 'a', request: 2, resume: false });
    expect(hub.heard('a')).toEqual([{ kind: 'connect-failed', request: 2, code: Code.RC_CONNECTION_EXIST }]);
    expect(hub.state).toBe(before);
  });

  it('a tab leaving releases only itself; the last one closes the connection, without logging out', () => {
    const hub = Hub.connected();
    hub.step({ type: 'tab-connect', tab: 'b', request: 1, resume: false });
    hub.step({ type: 'tab-leave', tab: 'a' });
    expect(hub.actions).toEqual([]);
    expect(attachedTabs(hub.state)).toEqual(['b']);
    hub.step({ type: 'tab-leave', tab: 'b' });
    expect(hub.actions).toEqual([{ type: 'close', logout: false }]);
    expect(hub.state.phase).toBe('idle');
  });

  it('logout in one tab ends the connection for all: the others hear SIGN_OUT, one still connecting also hears its connect end', () => {
    const hub = new Hub();
    hub.step({ type: 'tab-connect', tab: 'a', request: 1, resume: false });
    hub.step({ type: 'tab-connect', tab: 'b', request: 3, resume: false });
    hub.step({ type: 'tab-logout', tab: 'a' });
    expect(hub.heard('b')).toEqual([statusOf(Status.SIGN_OUT), { kind: 'connect-failed', request: 3, code: Code.RC_NET_CHANNEL_INVALID }]);
    expect(hub.actions.at(-1)).toEqual({ type: 'close', logout: true });
    expect(hub.state).toMatchObject({ phase: 'idle', tabs: new Map() });
  });

  it('a kick reaches every tab and ends the connection; a later connect opens a new one', () => {
    const hub = Hub.connected();
    hub.step({ type: 'tab-connect', tab: 'b', request: 1, resume: false });
    hub.heard('b');
    hub.step({ type: 'status', status: Status.SUSPEND, code: Code.RC_SOCKET_DISCONNECTED });
    expect(hub.state.phase).toBe('connected');
    hub.step({ type: 'status', status: Status.KICKED_OFFLINE_BY_OTHER_CLIENT, code: Code.RC_DISCONN_KICK });
    for (const tab of ['a', 'b']) {
      expect(hub.heard(tab)).toEqual([statusOf(Status.SUSPEND, Code.RC_SOCKET_DISCONNECTED), statusOf(Status.KICKED_OFFLINE_BY_OTHER_CLIENT, Code.RC_DISCONN_KICK)]);
    }
    expect(hub.state).toMatchObject({ phase: 'idle', tabs: new Map() });
    hub.step({ type: 'tab-connect', tab: 'a', request: 2, resume: false });
    expect(hub.actions).toEqual([{ type: 'open', tab: 'a' }]);
  });

  it('a failed first connect answers the waiting tabs with its code, and a tab re-attaching hears the status only', () => {
    const hub = new Hub();
    hub.step({ type: 'tab-connect', tab: 'a', request: 1, resume: true });
    hub.step({ type: 'tab-connect', tab: 'b', request: 5, resume: false });
    hub.step({ type: 'status', status: Status.TOKEN_INCORRECT, code: Code.RC_CONN_TOKEN_EXPIRE });
    hub.step({ type: 'connect-failed', code: Code.RC_CONN_TOKEN_EXPIRE });
    expect(hub.heard('a')).toEqual([statusOf(Status.TOKEN_INCORRECT, Code.RC_CONN_TOKEN_EXPIRE)]);
    expect(hub.heard('b')).toEqual([statusOf(Status.TOKEN_INCORRECT, Code.RC_CONN_TOKEN_EXPIRE), { kind: 'connect-failed', request: 5, code: Code.RC_CONN_TOKEN_EXPIRE }]);
    expect(hub.state.phase).toBe('idle');
  });

  it('a tab re-attaching to a connection that is up hears CONNECTED and no callbacks', () => {
    const hub = Hub.connected();
    hub.step({ type: 'tab-connect', tab: 'b', request: 9, resume: true });
    expect(hub.heard('b')).toEqual([statusOf(Status.CONNECTED)]);
    expect(attachedTabs(hub.state).sort()).toEqual(['a', 'b']);
  });

  it('answers that come after the connection was closed change nothing', () => {
    const hub = new Hub();
    hub.step({ type: 'tab-connect', tab: 'a', request: 1, resume: false });
    hub.step({ type: 'tab-leave', tab: 'a' });
    const closed = hub.state;
    hub.step({ type: 'connected', userId: 'carol' });
    hub.step({ type: 'status', status: Status.CONNECTED, code: undefined });
    expect(hub.state).toBe(closed);
    expect(hub.heard('a')).toEqual([]);
  });
});
