import { describe, expect, it } from 'vitest';
import type { IMClientBase } from '../client.js';
import { ConnectionErrorCode as Code, ConnectionStatus as Status } from '../enums.js';
import { initialLinkState, linkTransition, type ConnectRequest, type LinkEffect, type LinkEvent, type LinkState } from './link-machine.js';
import { browserCapabilities, sharingModeFor } from './sharing-mode.js';
import { FORWARDED_METHODS, LOCAL_METHODS, type ForwardedMethod, type TabToHost } from './tab-protocol.js';

class Link {
  state: LinkState = initialLinkState('tab-1');
  effects: LinkEffect[] = [];

  step(event: LinkEvent): LinkEffect[] {
    const { state, effects } = linkTransition(this.state, event);
    this.state = state;
    this.effects.push(...effects);
    return effects;
  }

  /** What went to the host since the last look. */
  posted(): TabToHost[] {
    const posted = this.effects.flatMap((e) => (e.type === 'post' ? [e.message] : []));
    this.effects = this.effects.filter((e) => e.type !== 'post');
    return posted;
  }

  take(): LinkEffect[] {
    return this.effects.splice(0);
  }

  /** Linked to host h1 and attached as carol. */
  static attached(): Link {
    const link = new Link();
    link.step({ type: 'host-up', host: 'h1' });
    link.step({ type: 'connect', connect: request(1), timeLimitMs: 0 });
    link.step({ type: 'from-host', message: { kind: 'connected', request: 1, userId: 'carol' } });
    link.take();
    return link;
  }
}

const request = (n: number, userId?: string): ConnectRequest => ({ request: n, appKey: 'key', options: {}, token: `token-${n}`, userId });

describe('the link machine: one tab on a shared connection', () => {
  it('a connect before any host is known says CONNECTING and waits; the host, once up, hears hello then the connect', () => {
    const link = new Link();
    expect(link.step({ type: 'connect', connect: request(1), timeLimitMs: 5000 })).toEqual([
      { type: 'status', status: Status.CONNECTING, code: undefined },
      { type: 'start-deadline', request: 1, delayMs: 5000 },
    ]);
    link.take();
    link.step({ type: 'host-up', host: 'h1' });
    expect(link.posted()).toEqual([
      { kind: 'hello', tab: 'tab-1' },
      { kind: 'connect', tab: 'tab-1', request: 1, appKey: 'key', options: {}, token: 'token-1', userId: undefined, resume: false },
    ]);
  });

  it('a second connect while one is on fails alone with 34001', () => {
    const link = Link.attached();
    const before = link.state;
    expect(link.step({ type: 'connect', connect: request(2), timeLimitMs: 0 })).toEqual([{ type: 'reject-connect', code: Code.RC_CONNECTION_EXIST }]);
    expect(link.state).toBe(before);
  });

  it('only the answers to the current connect count', () => {
    const link = new Link();
    link.step({ type: 'host-up', host: 'h1' });
    link.step({ type: 'connect', connect: request(3), timeLimitMs: 0 });
    link.take();
    expect(link.step({ type: 'from-host', message: { kind: 'connected', request: 2, userId: 'carol' } })).toEqual([]);
    expect(link.step({ type: 'from-host', message: { kind: 'connected', request: 3, userId: 'carol' } })).toEqual([{ type: 'cancel-deadline' }, { type: 'success', userId: 'carol' }]);
    expect(link.state.membership).toBe('attached');
  });

  it("the tab's time limit passing leaves the shared connection and reports 34006 with status TIMEOUT", () => {
    const link = new Link();
    link.step({ type: 'host-up', host: 'h1' });
    link.step({ type: 'connect', connect: request(1), timeLimitMs: 1000 });
    link.take();
    expect(link.step({ type: 'deadline', request: 1 })).toEqual([
      { type: 'post', message: { kind: 'leave', tab: 'tab-1' } },
      { type: 'status', status: Status.TIMEOUT, code: Code.RC_CONNECT_TIMEOUT },
      { type: 'error', code: Code.RC_CONNECT_TIMEOUT },
    ]);
    expect(link.state.membership).toBe('none');
  });

  it('disconnect leaves only this tab; logout asks the host to end it for all', () => {
    const link = Link.attached();
    expect(link.step({ type: 'disconnect' })).toEqual([
      { type: 'post', message: { kind: 'leave', tab: 'tab-1' } },
      { type: 'status', status: Status.UNCONNECTED, code: undefined },
    ]);
    const other = Link.attached();
    expect(other.step({ type: 'logout' })).toEqual([
      { type: 'post', message: { kind: 'logout', tab: 'tab-1' } },
      { type: 'status', status: Status.SIGN_OUT, code: undefined },
    ]);
    expect(other.step({ type: 'disconnect' })).toEqual([]);
  });

  it('a disconnect during the first connect still ends that connect (30001)', () => {
    const link = new Link();
    link.step({ type: 'connect', connect: request(1), timeLimitMs: 1000 });
    link.take();
    expect(link.step({ type: 'disconnect' })).toEqual([
      { type: 'cancel-deadline' },
      { type: 'status', status: Status.UNCONNECTED, code: undefined },
      { type: 'error', code: Code.RC_NET_CHANNEL_INVALID },
    ]);
  });

  it('when the host dies, calls fail with IPC_DISCONNECT except sends, which the next host is asked again with the same client id', () => {
    const link = Link.attached();
    link.step({ type: 'call', request: 10, method: 'getConversationList', args: [], clientId: undefined });
    link.step({ type: 'call', request: 11, method: 'sendMessage', args: [1, 'bob', { objectName: 'RC:TxtMsg', content: {} }], clientId: 'c-11' });
    link.take();
    expect(link.step({ type: 'host-down' })).toEqual([
      { type: 'fail-call', request: 10, code: Code.IPC_DISCONNECT },
      { type: 'status', status: Status.SUSPEND, code: Code.IPC_DISCONNECT },
    ]);
    // Asked while no host is known: it waits, it is not lost.
    link.step({ type: 'call', request: 12, method: 'sendMessage', args: [1, 'bob', { objectName: 'RC:TxtMsg', content: {} }], clientId: 'c-12' });
    expect(link.posted()).toEqual([]);
    link.step({ type: 'host-up', host: 'h2' });
    expect(link.posted()).toEqual([
      { kind: 'hello', tab: 'tab-1' },
      // Re-attaching: the user is known, so the new host opens the database before any network I/O.
      { kind: 'connect', tab: 'tab-1', request: 1, appKey: 'key', options: {}, token: 'token-1', userId: 'carol', resume: true },
      { kind: 'call', tab: 'tab-1', request: 11, method: 'sendMessage', args: [1, 'bob', { objectName: 'RC:TxtMsg', content: {} }], clientId: 'c-11' },
      { kind: 'call', tab: 'tab-1', request: 12, method: 'sendMessage', args: [1, 'bob', { objectName: 'RC:TxtMsg', content: {} }], clientId: 'c-12' },
    ]);
    // Each is answered once.
    expect(link.step({ type: 'from-host', message: { kind: 'result', request: 11, ok: true, value: 'sent' } })).toHaveLength(1);
    expect(link.step({ type: 'from-host', message: { kind: 'result', request: 11, ok: true, value: 'sent' } })).toEqual([]);
  });

  it('a host-up with another id means the leader changed: the old host is taken as dead', () => {
    const link = Link.attached();
    expect(link.step({ type: 'host-up', host: 'h1' })).toEqual([]);
    const effects = link.step({ type: 'host-up', host: 'h2' });
    expect(effects[0]).toEqual({ type: 'status', status: Status.SUSPEND, code: Code.IPC_DISCONNECT });
    expect(link.state.host).toBe('h2');
  });

  it("the shared connection's events and statuses reach a tab only while it is on the connection", () => {
    const link = new Link();
    link.step({ type: 'host-up', host: 'h1' });
    expect(link.step({ type: 'from-host', message: { kind: 'event', event: 'message', payload: [] } })).toEqual([]);
    expect(link.step({ type: 'from-host', message: { kind: 'status', status: Status.CONNECTED, code: undefined } })).toEqual([]);
    const attached = Link.attached();
    expect(attached.step({ type: 'from-host', message: { kind: 'event', event: 'message', payload: [] } })).toEqual([{ type: 'emit', event: 'message', payload: [] }]);
  });

  it('an ending status (a kick) takes the tab off the connection: a new connect is then allowed', () => {
    const link = Link.attached();
    link.step({ type: 'from-host', message: { kind: 'status', status: Status.KICKED_OFFLINE_BY_OTHER_CLIENT, code: Code.RC_DISCONN_KICK } });
    expect(link.state.membership).toBe('none');
    expect(link.step({ type: 'connect', connect: request(2), timeLimitMs: 0 }).map((e) => e.type)).toEqual(['status', 'post']);
  });
});

describe('which way a tab gets its connection', () => {
  const all = { sharedWorker: true, broadcastChannel: true, locks: true };
  it('a shared worker when there is one and the app names its script; else the leader tab; else its own', () => {
    expect(sharingModeFor({ sharedWorkerUrl: '/w.js' }, all)).toBe('shared-worker');
    expect(sharingModeFor({}, all)).toBe('leader-tab');
    expect(sharingModeFor({ sharedWorkerUrl: '/w.js' }, { ...all, sharedWorker: false })).toBe('leader-tab');
    expect(sharingModeFor({ sharedWorkerUrl: '/w.js' }, { sharedWorker: false, broadcastChannel: false, locks: true })).toBe('own-connection');
    // Without Web Locks (a page on plain http elsewhere than localhost) no death would be heard.
    expect(sharingModeFor({ sharedWorkerUrl: '/w.js' }, { ...all, locks: false })).toBe('own-connection');
    expect(sharingModeFor({ shareConnection: false, sharedWorkerUrl: '/w.js' }, all)).toBe('own-connection');
  });

  it('Node has none of them', () => {
    expect(sharingModeFor({}, browserCapabilities())).toBe('own-connection');
  });
});

type PublicMethod = { [K in keyof IMClientBase]: IMClientBase[K] extends (...args: never[]) => unknown ? K : never }[keyof IMClientBase];
/** Fails to compile when a public method of the client is neither answered by the tab nor forwarded to the host. */
const everyMethodRouted: [Exclude<PublicMethod, (typeof LOCAL_METHODS)[number] | ForwardedMethod>] extends [never] ? true : false = true;

describe('routing of the IMClient calls', () => {
  it('every public method is either the tab’s own or forwarded, never both', () => {
    expect(everyMethodRouted).toBe(true);
    const local: readonly string[] = LOCAL_METHODS;
    expect(FORWARDED_METHODS.filter((m) => local.includes(m))).toEqual([]);
  });
});
