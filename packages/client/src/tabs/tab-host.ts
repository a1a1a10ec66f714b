import { IMClientBase, type ConnectCallback } from '../client.js';
import { ConnectionErrorCode as Code } from '../enums.js';
import type { Environment } from '../environment.js';
import type { Message, MessageContent } from '../messaging/message.js';
import type { MetaStore } from '../store/local-store.js';
import { attachedTabs, hubTransition, initialHubState, type HubEvent, type HubState } from './hub-machine.js';
import { carryError, restoreArgs, SENDING_METHODS, tabLockName, type HostToTab, type TabEvent, type TabToHost } from './tab-protocol.js';

/** What the host runs on: its way to each tab, and word of a tab's end. */
export interface HostOutlet {
  send(tab: string, message: HostToTab): void;
  /** Calls `gone` once, when the tab has closed or crashed. */
  watchTab(tab: string, gone: () => void): void;
}

/** A host's watchTab: the tab holds its lock for its whole life, so the lock is granted here only when the tab has ended. */
export function watchTabLock(locks: LockManager): HostOutlet['watchTab'] {
  return (tab, gone) => void locks.request(tabLockName(tab), () => gone());
}

type ConnectMessage = TabToHost & { kind: 'connect' };

/** The shared client: a plain IMClient whose sends may carry the id a tab chose. */
class HostedClient extends IMClientBase {
  sendMessageOnce(clientId: string, conversationType: number, targetId: string, message: MessageContent): Promise<Message> {
    return this.sendWithClientId(conversationType, targetId, message, clientId);
  }
}

interface SharedConnection {
  readonly client: HostedClient;
  state: HubState;
  /** Each tab's latest connect: `open` uses the token of the tab that asked first. */
  readonly asked: Map<string, ConnectMessage>;
  token: string | undefined;
  userId: string | undefined;
  /** Counts opens, so that the callbacks of an open that was closed meanwhile are not heard. */
  opens: number;
}

/**
 * Holds the shared connections of one App Key (one per user) for the tabs of an origin, in a
 * shared worker or in the leader tab: routes each tab's connect to its user's connection, runs
 * each connection's hub machine (hub-machine.ts), runs the tabs' calls on the shared client and
 * sends its events to the tabs attached.
 */
export class TabHost {
  private readonly connections: SharedConnection[] = [];
  private readonly connectionOf = new Map<string, SharedConnection>();
  private readonly watched = new Set<string>();
  private readonly metas = new Map<string, Promise<MetaStore | undefined>>();
  /** A tab's messages are handled in order: a call right after a connect finds its connection. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly outlet: HostOutlet,
    private readonly environment: Environment,
  ) {}

  receive(message: TabToHost): void {
    // Nothing in handle() rejects; the catch keeps one surprise from stopping every later message.
    this.queue = this.queue.then(() => this.handle(message)).catch(() => undefined);
  }

  private async handle(message: TabToHost): Promise<void> {
    switch (message.kind) {
      case 'who-hosts':
        return;
      case 'hello':
        if (this.watched.has(message.tab)) return;
        this.watched.add(message.tab);
        this.outlet.watchTab(message.tab, () => this.receive({ kind: 'leave', tab: message.tab }));
        return;
      case 'connect': {
        const previous = this.connectionOf.get(message.tab);
        let connection: SharedConnection;
        try {
          connection = await this.connectionFor(message);
        } catch (error) {
          const code = carryError(error).code ?? Code.UNKNOWN;
          return this.outlet.send(message.tab, { kind: 'connect-failed', request: message.request, code });
        }
        if (previous && previous !== connection) this.step(previous, { type: 'tab-leave', tab: message.tab });
        this.connectionOf.set(message.tab, connection);
        connection.asked.set(message.tab, message);
        this.step(connection, { type: 'tab-connect', tab: message.tab, request: message.request, resume: message.resume });
        return;
      }
      case 'leave': {
        const connection = this.connectionOf.get(message.tab);
        if (connection) this.step(connection, { type: 'tab-leave', tab: message.tab });
        return;
      }
      case 'logout': {
        const connection = this.connectionOf.get(message.tab);
        if (connection) this.step(connection, { type: 'tab-logout', tab: message.tab });
        return;
      }
      case 'call':
        return this.call(message);
    }
  }

  /** The user's connection: known by the userId given or remembered for the token, or by the token itself; else a new one. */
  private async connectionFor(message: ConnectMessage): Promise<SharedConnection> {
    const userId = message.userId ?? (await (await this.meta(message))?.userIdForToken(message.token).catch(() => undefined));
    const found = this.connections.find((c) => (userId !== undefined && (c.state.userId ?? c.userId) === userId) || c.token === message.token);
    if (found) return found;
    const client = new HostedClient(this.environment);
    client.init(message.appKey, message.options);
    const connection: SharedConnection = { client, state: initialHubState, asked: new Map(), token: undefined, userId, opens: 0 };
    client.addConnectionStatusListener((status, code) => this.step(connection, { type: 'status', status, code }));
    const forward = (event: TabEvent) => (payload: unknown) => this.tell(connection, event, payload, undefined);
    client.addMessageListener(forward('message'));
    client.addMessageChangeListener(forward('change'));
    client.addTypingStatusListener(forward('typing'));
    client.addReadReceiptListener(forward('receipt'));
    client.addUserStatusListener(forward('user-status'));
    client.addConversationStateListener(forward('conversation-states'));
    this.connections.push(connection);
    return connection;
  }

  private meta(message: ConnectMessage): Promise<MetaStore | undefined> {
    let meta = this.metas.get(message.appKey);
    if (!meta) {
      meta = this.environment.storeFactory(message.options.dataDir).openMeta(message.appKey).catch(() => undefined);
      this.metas.set(message.appKey, meta);
    }
    return meta;
  }

  private step(connection: SharedConnection, event: HubEvent): void {
    const { state, effects } = hubTransition(connection.state, event);
    connection.state = state;
    for (const effect of effects) {
      if (effect.type === 'tell') this.outlet.send(effect.tab, effect.message);
      else if (effect.type === 'close') {
        connection.opens++;
        if (effect.logout) connection.client.logout();
        else connection.client.disconnect();
      } else this.open(connection, effect.tab);
    }
  }

  private open(connection: SharedConnection, tab: string): void {
    const asked = connection.asked.get(tab);
    if (!asked) return;
    const open = ++connection.opens;
    connection.token = asked.token;
    connection.userId ??= asked.userId;
    const heard = (event: () => HubEvent) => {
      if (connection.opens === open) this.step(connection, event());
    };
    const callback: ConnectCallback = {
      onDatabaseOpened: (status) => heard(() => ({ type: 'database-opened', status, userId: connection.client.getCurrentUserId() ?? '' })),
      onSuccess: (userId) => heard(() => ({ type: 'connected', userId })),
      onError: (code) => heard(() => ({ type: 'connect-failed', code })),
    };
    // No time limit here: each tab keeps its own (link-machine.ts).
    const userId = asked.userId ?? connection.userId;
    if (userId === undefined) connection.client.connect(asked.token, 0, callback);
    else connection.client.connect(asked.token, 0, userId, callback);
  }

  private call(message: TabToHost & { kind: 'call' }): void {
    const { tab, request, method } = message;
    const answer = (m: HostToTab) => this.outlet.send(tab, m);
    const connection = this.connectionOf.get(tab);
    if (!connection) return answer({ kind: 'result', request, ok: false, error: { code: Code.RC_CLIENT_NOT_INIT, message: 'connect first' } });
    const client = connection.client;
    let result: unknown;
    try {
      const args = restoreArgs(message.args, (key, a) => answer({ kind: 'callback', request, key, args: a }));
      if (method === 'sendMessage' && message.clientId !== undefined) {
        const [conversationType, targetId, content] = args as Parameters<IMClientBase['sendMessage']>;
        result = client.sendMessageOnce(message.clientId, conversationType, targetId, content);
      } else {
        result = (client[method] as (...a: unknown[]) => unknown).apply(client, args);
      }
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result).then(
      (value) => {
        answer({ kind: 'result', request, ok: true, value });
        // The user's other tabs hear a send as they would one from another device of the user's.
        if (SENDING_METHODS.has(method)) this.tell(connection, 'message', [value], tab);
      },
      (error: unknown) => answer({ kind: 'result', request, ok: false, error: carryError(error) }),
    );
  }

  private tell(connection: SharedConnection, event: TabEvent, payload: unknown, except: string | undefined): void {
    for (const tab of attachedTabs(connection.state)) if (tab !== except) this.outlet.send(tab, { kind: 'event', event, payload });
  }
}
