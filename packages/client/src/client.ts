import { ConnectionErrorCode as Code, ConnectionStatus, ConversationType, DatabaseOpenStatus } from './enums.js';
import { connectAttempt } from './connection/connect-attempt.js';
import { ConnectionDriver } from './connection/connection-driver.js';
import type { RmtpSession } from './connection/rmtp-session.js';
import { realScheduler } from './connection/scheduler.js';
import type { Environment } from './environment.js';
import { toPublicMessage, type Message, type MessageContent } from './messaging/message.js';
import { Messenger, SendError } from './messaging/messenger.js';
import { fromDownStream } from './messaging/wire-messages.js';
import type { InitOptions } from './options.js';
import { MemoryLocalStoreFactory } from './store/memory-store.js';
import { isStorableUserId, type LocalConversation, type MetaStore, type UserStore } from './store/local-store.js';
import { AckStatus, decodePayload, encodePayload, historyTopicFor, isValidUserId, Topic } from '@parley/protocol';
import { validateProxyOptions } from './transport/proxy/proxy-options.js';

export interface ConnectCallback {
  /** Once per connect, before onSuccess; before any network I/O when the user is known locally. */
  onDatabaseOpened?(status: DatabaseOpenStatus): void;
  onSuccess(userId: string): void;
  onError(code: number): void;
}

export type StatusListener = (status: ConnectionStatus, code?: number) => void;
export type MessageListener = (messages: Message[]) => void;

export interface Conversation {
  conversationType: number;
  targetId: string;
  latestMessage: Message;
  unreadCount: number;
  updatedAt: number;
}

/** An SDK error with its code, as rejected by the Promise APIs. */
export class IMError extends Error {
  constructor(readonly code: number) {
    super(`Parley error ${code}`);
  }
}

const DEFAULT_KEEPALIVE_SECONDS = 15;
/** System messages come only from the Server API. */
const SENDABLE_TYPES: ReadonlySet<number> = new Set([ConversationType.PRIVATE, ConversationType.GROUP]);
/** The server keeps no history of other types: theirs is read from the local database alone. */
const OFFERED_TYPES: ReadonlySet<number> = new Set(Object.values(ConversationType));

interface Setup {
  appKey: string;
  options: InitOptions;
  deviceId: string;
  meta: Promise<MetaStore>;
}

/**
 * The SDK's facade (docs/contract.md, "The client SDK"): init, connect in three forms, statuses, messages. It wires the pure
 * connection machine (through its driver), the local database and the messenger together, and
 * holds no rules of its own beyond argument checks and the order of the connect callbacks.
 */
export class IMClientBase {
  private setup: Setup | undefined;
  private driver: ConnectionDriver | undefined;
  private status: ConnectionStatus = ConnectionStatus.UNCONNECTED;
  private userId: string | undefined;
  private store: UserStore | undefined;
  private messenger: Messenger | undefined;
  private session: RmtpSession | undefined;
  /** Settles when the database of the current user is open (or has fallen back to memory). */
  private storeReady: Promise<unknown> = Promise.resolve();
  private stopWatchingNetwork: (() => void) | undefined;
  /** True from connect() until the driver has the attempt: a second connect meanwhile is 34001 too. */
  private starting = false;
  private readonly statusListeners = new Set<StatusListener>();
  private readonly messageListeners = new Set<MessageListener>();

  constructor(private readonly environment: Environment) {}

  /** Throws an IMError (33003) for a missing App Key or a malformed proxy setting. */
  init(appKey: string, options: InitOptions = {}): void {
    if (typeof appKey !== 'string' || appKey.length === 0) throw new IMError(Code.RC_INVALID_PARAMETER);
    if (options.proxy !== undefined && validateProxyOptions(options.proxy) !== undefined) throw new IMError(Code.RC_INVALID_PARAMETER);
    const factory = this.environment.storeFactory(options.dataDir);
    this.setup = {
      appKey,
      options,
      deviceId: options.deviceId ?? randomDeviceId(),
      meta: factory.openMeta(appKey).catch(() => new MemoryLocalStoreFactory().openMeta(appKey)),
    };
  }

  connect(token: string, callback: ConnectCallback): void;
  connect(token: string, timeLimit: number, callback: ConnectCallback): void;
  connect(token: string, timeLimit: number, userId: string, callback: ConnectCallback): void;
  connect(token: string, a: number | ConnectCallback, b?: string | ConnectCallback, c?: ConnectCallback): void {
    const callback = [a, b, c].find((x): x is ConnectCallback => typeof x === 'object' && x !== null);
    const timeLimit = typeof a === 'number' ? a : 0;
    const knownUserId = typeof b === 'string' ? b : undefined;
    if (!callback || typeof callback.onSuccess !== 'function' || typeof callback.onError !== 'function') {
      throw new IMError(Code.RC_INVALID_PARAMETER);
    }
    const fail = (code: number) => queueMicrotask(() => callback.onError(code));
    const setup = this.setup;
    if (!setup) return fail(Code.RC_CLIENT_NOT_INIT);
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024 || !Number.isFinite(timeLimit) || (knownUserId !== undefined && !isValidUserId(knownUserId))) {
      return fail(Code.RC_INVALID_PARAMETER);
    }
    if (this.starting || (this.driver && this.driver.machineState.name !== 'idle')) return fail(Code.RC_CONNECTION_EXIST);
    this.starting = true;
    void this.start(setup, token, timeLimit, knownUserId, callback).finally(() => (this.starting = false));
  }

  /** The Promise form of connect: resolves with the userId, rejects with an IMError. */
  connectAsync(token: string, timeLimit = 0, userId?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const callback: ConnectCallback = { onSuccess: resolve, onError: (code) => reject(new IMError(code)) };
      if (userId === undefined) this.connect(token, timeLimit, callback);
      else this.connect(token, timeLimit, userId, callback);
    });
  }

  addConnectionStatusListener(listener: StatusListener): void {
    this.statusListeners.add(listener);
  }

  removeConnectionStatusListener(listener: StatusListener): void {
    this.statusListeners.delete(listener);
  }

  getCurrentConnectionStatus(): ConnectionStatus {
    return this.status;
  }

  getCurrentUserId(): string | undefined {
    return this.userId;
  }

  /** Disconnects and stops reconnecting; the server still counts this device for offline push. */
  disconnect(): void {
    this.driver?.disconnect();
    this.release();
  }

  /** Disconnects and tells the server to stop push for this device. */
  logout(): void {
    this.driver?.logout();
    this.release();
  }

  addMessageListener(listener: MessageListener): void {
    this.messageListeners.add(listener);
  }

  removeMessageListener(listener: MessageListener): void {
    this.messageListeners.delete(listener);
  }

  /**
   * Sends now when connected, or queues until the connection is back; resolves with the server's
   * UID and time, rejects with an IMError (the server's status code, or 33003 for bad arguments).
   */
  async sendMessage(conversationType: number, targetId: string, message: MessageContent): Promise<Message> {
    if (!this.messenger) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (!SENDABLE_TYPES.has(conversationType) || typeof targetId !== 'string' || !isValidUserId(targetId) || !message || typeof message.objectName !== 'string') {
      throw new IMError(Code.RC_INVALID_PARAMETER);
    }
    try {
      return await this.messenger.send(conversationType, targetId, message);
    } catch (error) {
      if (error instanceof SendError) throw new IMError(error.code);
      throw error;
    }
  }

  /**
   * Messages of a conversation sent before `before` (default: now), newest first. From the server
   * when connected (and kept locally), otherwise from the local database.
   */
  async getHistoryMessages(conversationType: number, targetId: string, options: { before?: number; count?: number } = {}): Promise<Message[]> {
    const store = this.store;
    if (!store || !this.userId) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    const count = Math.min(100, Math.max(1, Math.trunc(options.count ?? 20)));
    const before = options.before ?? 0;
    const topic = OFFERED_TYPES.has(conversationType) ? historyTopicFor(conversationType) : undefined;
    if (this.session && topic && this.status === ConnectionStatus.CONNECTED) {
      const answer = await this.session.query(topic, this.userId, encodePayload('HistoryMsgInput', { targetId, time: before, count, order: 0 }));
      if (answer.status === AckStatus.SUCCESS) {
        const remote = decodePayload('HistoryMsgOuput', answer.payload).list.map((m) => fromDownStream(m, this.userId ?? ''));
        await store.saveMessages(remote);
      }
    }
    return (await store.getHistory(conversationType, targetId, before, count)).map(toPublicMessage);
  }

  async getConversationList(): Promise<Conversation[]> {
    if (!this.store) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    return (await this.store.getConversations()).map((c: LocalConversation) => ({
      conversationType: c.conversationType,
      targetId: c.targetId,
      latestMessage: toPublicMessage(c.latestMessage),
      unreadCount: c.unreadCount,
      updatedAt: c.updatedAt,
    }));
  }

  private async start(setup: Setup, token: string, timeLimitSeconds: number, knownUserId: string | undefined, callback: ConnectCallback): Promise<void> {
    const meta = await setup.meta;
    const userId = knownUserId ?? (await meta.userIdForToken(token));
    let databaseReported = false;
    const openDatabase = async (id: string) => {
      if (databaseReported) return;
      databaseReported = true;
      const status = await this.openStore(setup, id);
      callback.onDatabaseOpened?.(status);
    };
    // Known user: the local database opens before any network I/O, so an app can show history offline.
    if (userId) await openDatabase(userId);

    const driver = this.ensureDriver(setup, token);
    driver.connect(timeLimitSeconds > 0 ? timeLimitSeconds * 1000 : 0, {
      onSuccess: (id) => {
        void (async () => {
          if (this.userId !== id) {
            databaseReported = false;
            await openDatabase(id);
          }
          await meta.rememberToken(token, id);
          callback.onSuccess(id);
        })();
      },
      onError: (code) => callback.onError(code),
    });
  }

  private ensureDriver(setup: Setup, token: string): ConnectionDriver {
    const keepAliveMs = (setup.options.keepAliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS) * 1000;
    const openSocket = this.environment.openSocket(setup.options.proxy);
    const postForm = this.environment.postForm(setup.options.proxy);
    const driver = new ConnectionDriver({
      attempt: async (isReconnect) => {
        const cached = await this.store?.getNavigation();
        const result = await connectAttempt({
          appKey: setup.appKey,
          token,
          deviceId: setup.deviceId,
          platform: setup.options.platform ?? this.environment.defaultPlatform,
          navigators: setup.options.navigators ?? [],
          keepAliveSeconds: keepAliveMs / 1000,
          isReconnect,
          refuseIfTaken: isReconnect && setup.options.reconnectKickEnable === true,
          openSocket,
          postForm,
          cachedNavigation: cached,
          now: () => Date.now(),
        });
        if (result.navigation) await this.store?.setNavigation(result.navigation);
        return result;
      },
      onSession: (session, userId) => {
        this.session = session;
        // The first success of an unknown user opens its database before this runs; wait for it.
        void this.storeReady.then(() => (this.userId === userId ? this.messenger?.attach(session) : undefined)).catch(() => undefined);
      },
      onSessionEnded: (session) => {
        if (this.session === session) this.session = undefined;
        this.messenger?.detach(session);
      },
      onPush: (frame) => {
        if (frame.topic === Topic.s_ntf) this.messenger?.onNotice();
      },
      onStatus: (status, code) => {
        this.status = status;
        for (const listener of this.statusListeners) listener(status, code);
      },
      forgetNavigation: () => void this.store?.setNavigation({ servers: [], expiresAt: 0 }),
      keepAliveMs,
      scheduler: realScheduler,
      random: Math.random,
    });
    this.driver = driver;
    this.stopWatchingNetwork?.();
    this.stopWatchingNetwork = this.environment.watchNetwork((online) => driver.networkChanged(online));
    return driver;
  }

  /** Opens the user's database, or falls back to memory and says so. */
  private openStore(setup: Setup, userId: string): Promise<DatabaseOpenStatus> {
    const opening = this.openStoreNow(setup, userId);
    this.storeReady = opening;
    return opening;
  }

  private async openStoreNow(setup: Setup, userId: string): Promise<DatabaseOpenStatus> {
    if (this.userId === userId && this.store) return DatabaseOpenStatus.DATABASE_OPEN_SUCCESS;
    this.userId = userId;
    await this.store?.close();
    let status: DatabaseOpenStatus = DatabaseOpenStatus.DATABASE_OPEN_SUCCESS;
    let store: UserStore;
    try {
      if (!isStorableUserId(userId)) throw new Error('userId cannot name a database');
      store = await this.environment.storeFactory(setup.options.dataDir).openUser(setup.appKey, userId);
    } catch {
      status = DatabaseOpenStatus.DATABASE_OPEN_ERROR;
      store = await new MemoryLocalStoreFactory().openUser(setup.appKey, userId);
    }
    this.store = store;
    this.messenger = new Messenger(store, userId, (messages) => {
      for (const listener of this.messageListeners) listener(messages);
    });
    return status;
  }

  private release(): void {
    this.stopWatchingNetwork?.();
    this.stopWatchingNetwork = undefined;
  }
}

function randomDeviceId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
