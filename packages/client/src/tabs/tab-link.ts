import { connectArguments, IMError, type ConnectCallback, type IMClientBase, type MessageListener, type StatusListener } from '../client.js';
import { browserEnvironment } from '../browser-environment.js';
import { ConnectionErrorCode as Code, ConnectionStatus, type ConnectionStatus as Status } from '../enums.js';
import { newClientId } from '../messaging/messenger.js';
import type { InitOptions } from '../options.js';
import { initialLinkState, linkTransition, type LinkEffect, type LinkEvent, type LinkState } from './link-machine.js';
import { browserCapabilities, sharingModeFor } from './sharing-mode.js';
import { TabHost, watchTabLock } from './tab-host.js';
import {
  carryArgs,
  channelName,
  FORWARDED_METHODS,
  hostLockName,
  isEnvelope,
  randomId,
  restoreError,
  sharedWorkerName,
  tabLockName,
  type Envelope,
  type ForwardedMethod,
  type HostToTab,
  type TabEvent,
  type TabToHost,
} from './tab-protocol.js';

/** The app's listeners, by the event that calls them (the IMClient's own sets). */
export type ListenerSets = { status: Set<StatusListener> } & Record<TabEvent, Set<MessageListener> | Set<(payload: never) => void>>;

/**
 * Decides at init whether this tab's IMClient shares its user's connection (sharing-mode.ts) and,
 * when it does, routes the client through a TabLink: connect, disconnect, logout and the status
 * are the tab's own, every other call runs on the host's shared client.
 */
export function linkTabs(client: IMClientBase, appKey: string, options: InitOptions, listeners: ListenerSets): void {
  const mode = sharingModeFor(options, browserCapabilities());
  if (mode === 'own-connection') return;
  const link = new TabLink(appKey, options, listeners);
  link.route(client);
  // Only once the tab holds its own lock may a host watch it; until then calls wait in the link.
  void link.holdTabLock().then(() => (mode === 'shared-worker' ? link.useSharedWorker(options.sharedWorkerUrl ?? '') : link.useLeaderTab()));
}

/** One tab's end of the shared connection: runs the link machine (link-machine.ts) on a shared worker's port or the leader's channel. */
class TabLink {
  private state: LinkState;
  private status: Status = ConnectionStatus.UNCONNECTED;
  private lastCode: number | undefined;
  private userId: string | undefined;
  private callback: ConnectCallback | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private nextRequest = 1;
  private readonly calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; callbacks: Map<string, (...a: unknown[]) => void> }>();
  private post: (message: TabToHost) => void = () => undefined;
  private readonly locks: LockManager;

  constructor(
    private readonly appKey: string,
    private readonly options: InitOptions,
    private readonly listeners: ListenerSets,
  ) {
    this.state = initialLinkState(randomId());
    this.locks = navigator.locks;
  }

  /** Resolves once the tab holds its lock, which it keeps until it closes or crashes: its release tells the host that the tab is gone. */
  holdTabLock(): Promise<void> {
    return new Promise((held) => {
      void this.locks.request(tabLockName(this.state.tab), () => {
        held();
        return new Promise<never>(() => undefined);
      });
    });
  }

  /** Puts this link's methods on the client itself, in front of its own. */
  route(client: IMClientBase): void {
    const own = client as unknown as Record<string, unknown>;
    own.connect = (token: string, a: number | ConnectCallback, b?: string | ConnectCallback, c?: ConnectCallback) => this.connect(token, a, b, c);
    own.disconnect = () => this.step({ type: 'disconnect' });
    own.logout = () => this.step({ type: 'logout' });
    own.getCurrentConnectionStatus = () => this.status;
    own.getCurrentUserId = () => this.userId;
    for (const method of FORWARDED_METHODS) own[method] = (...args: unknown[]) => this.call(method, args);
    // Fire and forget, as its own is: a failure has no caller to go to.
    own.sendTypingStatus = (...args: unknown[]) => void this.call('sendTypingStatus', args).catch(() => undefined);
  }

  useSharedWorker(url: string): void {
    let host: string | undefined;
    const open = () => {
      let up = false;
      const worker = new SharedWorker(url, { name: sharedWorkerName(this.appKey) });
      // The script is missing or broken: one of the tabs holds the connection instead.
      worker.addEventListener('error', () => (up ? undefined : this.useLeaderTab()));
      const port = worker.port;
      port.onmessage = (event: MessageEvent) => {
        const envelope: unknown = event.data;
        if (!isEnvelope(envelope) || envelope.parley !== 'host') return;
        if (envelope.message.kind !== 'host-up') return this.fromHost(envelope);
        up = true;
        if (host === envelope.message.host) return;
        const id = (host = envelope.message.host);
        this.step({ type: 'host-up', host: id });
        // Granted only when the worker that holds the host lock has ended.
        void this.locks.request(hostLockName(this.appKey), { mode: 'shared' }, () => {
          if (host !== id) return;
          host = undefined;
          this.step({ type: 'host-down' });
          open();
        });
      };
      port.start();
      this.post = (message) => port.postMessage({ parley: 'tab', message } satisfies Envelope);
    };
    open();
  }

  useLeaderTab(): void {
    const channel = new BroadcastChannel(channelName(this.appKey));
    channel.onmessage = (event: MessageEvent) => {
      const envelope: unknown = event.data;
      if (!isEnvelope(envelope) || envelope.parley !== 'host') return;
      // A host-up with another id: the leader died and this one took over.
      if (envelope.message.kind === 'host-up') this.step({ type: 'host-up', host: envelope.message.host });
      else this.fromHost(envelope);
    };
    this.post = (message) => channel.postMessage({ parley: 'tab', message } satisfies Envelope);
    this.post({ kind: 'who-hosts' });
    // The election: whoever holds the host lock hosts, until its page ends; the next in line takes over.
    void this.locks.request(hostLockName(this.appKey), () => {
      hostInThisTab(this.appKey, this.locks);
      return new Promise<never>(() => undefined);
    });
  }

  private fromHost(envelope: Envelope & { parley: 'host' }): void {
    if (envelope.to === this.state.tab) this.step({ type: 'from-host', message: envelope.message });
  }

  private connect(token: string, a: number | ConnectCallback, b?: string | ConnectCallback, c?: ConnectCallback): void {
    const { callback, timeLimit, knownUserId, valid } = connectArguments(token, a, b, c);
    if (!valid) return queueMicrotask(() => callback.onError(Code.RC_INVALID_PARAMETER));
    const connect = { request: this.nextRequest++, appKey: this.appKey, options: hostOptions(this.options), token, userId: knownUserId };
    this.step({ type: 'connect', connect, timeLimitMs: timeLimit > 0 ? timeLimit * 1000 : 0 }, callback);
  }

  private call(method: ForwardedMethod, args: unknown[]): Promise<unknown> {
    const request = this.nextRequest++;
    const carried = carryArgs(args);
    const clientId = method === 'sendMessage' ? newClientId() : undefined;
    return new Promise((resolve, reject) => {
      this.calls.set(request, { resolve, reject, callbacks: carried.callbacks });
      this.step({ type: 'call', request, method, args: carried.args, clientId });
    });
  }

  /** `connecting`: the callback of a connect being asked, which alone hears a refusal of it. */
  private step(event: LinkEvent, connecting?: ConnectCallback): void {
    const { state, effects } = linkTransition(this.state, event);
    this.state = state;
    if (connecting && !effects.some((e) => e.type === 'reject-connect')) this.callback = connecting;
    for (const effect of effects) this.run(effect, connecting);
  }

  private run(effect: LinkEffect, connecting: ConnectCallback | undefined): void {
    switch (effect.type) {
      case 'post':
        try {
          this.post(effect.message);
        } catch (error) {
          // An argument that cannot be cloned: only that call fails.
          if (effect.message.kind !== 'call') throw error;
          this.settle(effect.message.request, error instanceof Error ? error : new Error(String(error)));
        }
        return;
      case 'status':
        // The tab says CONNECTING itself when asked; the host's own CONNECTING then says nothing new.
        if (effect.status === this.status && effect.code === this.lastCode) return;
        this.status = effect.status;
        this.lastCode = effect.code;
        for (const listener of this.listeners.status) listener(effect.status, effect.code);
        return;
      case 'database-opened':
        this.userId = effect.userId;
        this.callback?.onDatabaseOpened?.(effect.status);
        return;
      case 'success':
        this.userId = effect.userId;
        this.callback?.onSuccess(effect.userId);
        return;
      case 'error':
        this.callback?.onError(effect.code);
        return;
      case 'reject-connect':
        if (connecting) queueMicrotask(() => connecting.onError(effect.code));
        return;
      case 'start-deadline': {
        clearTimeout(this.deadline);
        const request = effect.request;
        this.deadline = setTimeout(() => this.step({ type: 'deadline', request }), effect.delayMs);
        return;
      }
      case 'cancel-deadline':
        clearTimeout(this.deadline);
        return;
      case 'settle':
        return this.settle(effect.request, effect.message.ok ? { value: effect.message.value } : restoreError(effect.message.error));
      case 'fail-call':
        return this.settle(effect.request, new IMError(effect.code));
      case 'callback':
        this.calls.get(effect.request)?.callbacks.get(effect.key)?.(...effect.args);
        return;
      case 'emit':
        for (const listener of this.listeners[effect.event]) (listener as (payload: unknown) => void)(effect.payload);
        return;
    }
  }

  private settle(request: number, outcome: { value: unknown } | Error): void {
    const call = this.calls.get(request);
    this.calls.delete(request);
    if (outcome instanceof Error) call?.reject(outcome);
    else call?.resolve(outcome.value);
  }
}

/** What the host's client is given: the options of the connection itself, not of how tabs share it. */
function hostOptions(options: InitOptions): InitOptions {
  const { shareConnection: _share, sharedWorkerUrl: _url, ...rest } = options;
  return rest;
}

/** The leader's host, on its own channel object (a channel does not hear itself) so that this tab's link reaches it too. */
function hostInThisTab(appKey: string, locks: LockManager): void {
  const channel = new BroadcastChannel(channelName(appKey));
  const id = randomId();
  const announce = () => channel.postMessage({ parley: 'host', to: undefined, message: { kind: 'host-up', host: id } } satisfies Envelope);
  const host = new TabHost(
    {
      send: (tab: string, message: HostToTab) => channel.postMessage({ parley: 'host', to: tab, message } satisfies Envelope),
      watchTab: watchTabLock(locks),
    },
    browserEnvironment,
  );
  channel.onmessage = (event: MessageEvent) => {
    const envelope: unknown = event.data;
    if (!isEnvelope(envelope) || envelope.parley !== 'tab') return;
    if (envelope.message.kind === 'who-hosts') announce();
    else host.receive(envelope.message);
  };
  announce();
}
