import { ConnectionErrorCode as Code, ConnectionStatus, ConversationType, DatabaseOpenStatus } from './enums.js';
import { connectAttempt } from './connection/connect-attempt.js';
import { ConnectionDriver } from './connection/connection-driver.js';
import type { RmtpSession } from './connection/rmtp-session.js';
import { realScheduler } from './connection/scheduler.js';
import type { Environment } from './environment.js';
import { toPublicMessage, type Message, type MessageContent } from './messaging/message.js';
import { MessageDeletion } from './messaging/message-deletion.js';
import { Messenger, SendError } from './messaging/messenger.js';
import { ReadState, ReadStateError, type MessageReaders, type ReadReceipt, type TypingStatus } from './messaging/read-state.js';
import { fromDownStream } from './messaging/wire-messages.js';
import type { InitOptions } from './options.js';
import { MemoryLocalStoreFactory } from './store/memory-store.js';
import { isStorableUserId, type LocalConversation, type MetaStore, type UserStore } from './store/local-store.js';
import {
  AckStatus,
  ChangeMessageType,
  checkExpansionKeys,
  checkExpansionValues,
  decodePayload,
  encodePayload,
  historyTopicFor,
  isValidUserId,
  MAX_DELETED_MESSAGES,
  NotifyType,
  sendTopicFor,
  Topic,
  type NotifyMsg,
} from '@parley/protocol';
import { validateProxyOptions } from './transport/proxy/proxy-options.js';

export interface ConnectCallback {
  /** Once per connect, before onSuccess; before any network I/O when the user is known locally. */
  onDatabaseOpened?(status: DatabaseOpenStatus): void;
  onSuccess(userId: string): void;
  onError(code: number): void;
}

export type StatusListener = (status: ConnectionStatus, code?: number) => void;
export type MessageListener = (messages: Message[]) => void;
export type TypingStatusListener = (status: TypingStatus) => void;
export type ReadReceiptListener = (receipt: ReadReceipt) => void;

export interface Conversation {
  conversationType: number;
  targetId: string;
  latestMessage: Message;
  /** Kept by the server and synced between the user's devices (markConversationAsRead). */
  unreadCount: number;
  /** Messages sent up to this instant are read; 0 when never marked. */
  lastReadTime: number;
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
  private readonly changeListeners = new Set<MessageListener>();
  private readState: ReadState | undefined;
  private readonly typingListeners = new Set<TypingStatusListener>();
  private readonly receiptListeners = new Set<ReadReceiptListener>();

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

  // --- Changing sent messages: recall, edit, expansion (the official SDK's calls of the same names).
  // Each is kept in the local database, and the same changes made on other devices arrive there too
  // (addMessageChangeListener).

  addMessageChangeListener(listener: MessageListener): void {
    this.changeListeners.add(listener);
  }

  removeMessageChangeListener(listener: MessageListener): void {
    this.changeListeners.delete(listener);
  }

  /**
   * Recalls a message the user sent (the server refuses others' with 25107, and past its recall
   * window with 25101); resolves with the message as it now stands, an `RC:RcNtf`.
   */
  async recallMessage(message: Message, options: { isDelete?: boolean; extra?: string } = {}): Promise<Message> {
    const { session, messenger } = this.connectedFor(message);
    const content = {
      conversationType: message.conversationType,
      targetId: message.targetId,
      messageUId: message.messageUId,
      sentTime: message.sentTime,
      isDelete: options.isDelete === true,
      isAdmin: false,
      ...(options.extra === undefined ? {} : { extra: options.extra }),
    };
    const up = { sessionId: 0, classname: ChangeMessageType.RECALL_COMMAND, content: JSON.stringify(content), toUserIds: [] };
    const answer = await messenger.publishChange(session, Topic.recallMsg, this.userId ?? '', up, ['recall', message.messageUId]);
    if (answer.status !== AckStatus.SUCCESS) throw new IMError(answer.status);
    const recall = { operatorId: this.userId ?? '', time: answer.sentTime, isDelete: content.isDelete, admin: false, ...(options.extra === undefined ? {} : { extra: options.extra }) };
    return (await messenger.applyChange({ kind: 'recall', messageUId: message.messageUId, recall })) ?? (await this.storedMessage(message));
  }

  /** Edits a message the user sent (20116 for another's, 20114 past the window); resolves with it as edited. */
  async modifyMessage(message: Message, content: unknown): Promise<Message> {
    const { session, messenger } = this.connectedFor(message);
    if (typeof content !== 'object' || content === null) throw new IMError(Code.RC_INVALID_PARAMETER);
    const request = { targetId: message.targetId, type: message.conversationType, msgUID: message.messageUId, content: JSON.stringify(content) };
    const answer = await session.query(Topic.modifyMsg, this.userId ?? '', encodePayload('MsgChangeReq', request));
    if (answer.status !== AckStatus.SUCCESS) throw new IMError(answer.status);
    const { modifyTime } = decodePayload('ModifyMsgResp', answer.payload);
    return (await messenger.applyChange({ kind: 'edit', messageUId: message.messageUId, content, modifiedTime: modifyTime ?? Date.now() })) ?? (await this.storedMessage(message));
  }

  /** Sends a message with an expansion (it can then be updated with updateMessageExpansion). */
  async sendMessageWithExpansion(conversationType: number, targetId: string, message: MessageContent, expansion: Record<string, string>): Promise<Message> {
    const checked = checkExpansionValues(expansion);
    if (!checked.ok) throw new IMError(checked.status);
    if (!this.messenger) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    try {
      return await this.messenger.send(conversationType, targetId, message, checked.value);
    } catch (error) {
      if (error instanceof SendError) throw new IMError(error.code);
      throw error;
    }
  }

  /** Sets expansion keys of a message sent with one (1–20 keys; 34010 / 34220 as the official SDK). */
  async updateMessageExpansion(expansion: Record<string, string>, message: Message): Promise<Message> {
    const checked = checkExpansionValues(expansion);
    if (!checked.ok) throw new IMError(checked.status);
    return this.changeExpansion(message, { put: checked.value });
  }

  /** Removes expansion keys of a message. */
  async removeMessageExpansionForKey(keys: string[], message: Message): Promise<Message> {
    const checked = checkExpansionKeys(keys);
    if (!checked.ok) throw new IMError(checked.status);
    return this.changeExpansion(message, { del: checked.value });
  }

  /** A stored message's expansion, as last heard of. */
  async getMessageExpansion(messageUId: string): Promise<Record<string, string> | undefined> {
    if (!this.store) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    return (await this.store.getMessage(messageUId))?.expansion;
  }

  private async changeExpansion(message: Message, update: { put?: Record<string, string>; del?: string[] }): Promise<Message> {
    const { session, messenger } = this.connectedFor(message);
    const topic = sendTopicFor(message.conversationType);
    if (!topic) throw new IMError(Code.RC_INVALID_PARAMETER);
    const content = JSON.stringify({ ...update, mid: message.messageUId });
    const up = { sessionId: 0, classname: ChangeMessageType.EXPANSION_UPDATE, content, toUserIds: [] };
    const answer = await messenger.publishChange(session, topic, message.targetId, up, ['expand', message.conversationType, message.targetId, content]);
    if (answer.status !== AckStatus.SUCCESS) throw new IMError(answer.status);
    return (await messenger.applyChange({ kind: 'expand', messageUId: message.messageUId, ...update })) ?? (await this.storedMessage(message));
  }

  /** The session and messenger a change goes through: it needs the server now, as the official SDK's do. */
  private connectedFor(message: Message): { session: RmtpSession; messenger: Messenger } {
    if (!this.messenger) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (!message || typeof message.messageUId !== 'string' || message.messageUId === '') throw new IMError(Code.RC_INVALID_PARAMETER);
    if (!this.session || this.status !== ConnectionStatus.CONNECTED) throw new IMError(Code.RC_NET_CHANNEL_INVALID);
    return { session: this.session, messenger: this.messenger };
  }

  private async storedMessage(message: Message): Promise<Message> {
    const stored = await this.store?.getMessage(message.messageUId);
    return stored ? toPublicMessage(stored) : message;
  }

  // --- Deleting messages and clearing history, for this user alone (the official SDK's deleteMessages
  // and clearHistoryMessages): no device of the user gets them again, new ones included, and this
  // database drops them; everyone else keeps them. Both need the server now, as the official SDK's do.

  /** Deletes 1–100 messages of one conversation (26009 when one is not a message of it). */
  async deleteMessages(conversationType: number, targetId: string, messages: Pick<Message, 'messageUId' | 'sentTime' | 'messageDirection'>[]): Promise<void> {
    const valid = Array.isArray(messages) && messages.length > 0 && messages.length <= MAX_DELETED_MESSAGES && messages.every((m) => typeof m?.messageUId === 'string' && m.messageUId !== '');
    const deletion = this.deletionFor(conversationType, targetId, valid);
    const status = await deletion.deleteMessages(conversationType, targetId, messages);
    if (status !== AckStatus.SUCCESS) throw new IMError(status);
  }

  /** Clears the conversation's messages sent at or before `timestamp` (ms; 0: all of them). */
  async clearHistoryMessages(conversationType: number, targetId: string, timestamp: number): Promise<void> {
    const deletion = this.deletionFor(conversationType, targetId, Number.isSafeInteger(timestamp) && timestamp >= 0);
    const status = await deletion.clearHistory(conversationType, targetId, timestamp);
    if (status !== AckStatus.SUCCESS) throw new IMError(status);
  }

  private deletionFor(conversationType: number, targetId: string, argumentsValid: boolean): MessageDeletion {
    if (!this.store || !this.userId) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (!argumentsValid || !Number.isInteger(conversationType) || typeof targetId !== 'string' || !isValidUserId(targetId)) throw new IMError(Code.RC_INVALID_PARAMETER);
    if (!this.session || this.status !== ConnectionStatus.CONNECTED) throw new IMError(Code.RC_NET_CHANNEL_INVALID);
    return new MessageDeletion(this.session, this.store, this.userId);
  }

  async getConversationList(): Promise<Conversation[]> {
    if (!this.store) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    return (await this.store.getConversations()).map((c: LocalConversation) => ({
      conversationType: c.conversationType,
      targetId: c.targetId,
      latestMessage: toPublicMessage(c.latestMessage),
      unreadCount: c.unreadCount,
      lastReadTime: c.lastReadTime,
      updatedAt: c.updatedAt,
    }));
  }

  // --- Typing and read state (the official SDK's sendTypingStatusMessage, sendReadReceiptMessage,
  // sendReadReceiptResponseV2, getMessageReader, markRemoteConversationAsRead). Unread counts are
  // kept by the server: every device of the user shows the same, fresh ones included.

  addTypingStatusListener(listener: TypingStatusListener): void {
    this.typingListeners.add(listener);
  }

  removeTypingStatusListener(listener: TypingStatusListener): void {
    this.typingListeners.delete(listener);
  }

  /** Receipts for the user's messages: a private peer's read position, a group message's read count. */
  addReadReceiptListener(listener: ReadReceiptListener): void {
    this.receiptListeners.add(listener);
  }

  removeReadReceiptListener(listener: ReadReceiptListener): void {
    this.receiptListeners.delete(listener);
  }

  /** Says the user is typing `typingContentType` (an object name) to the peer or the group: live only, never stored. */
  sendTypingStatus(conversationType: number, targetId: string, typingContentType = 'RC:TxtMsg'): void {
    const { session, readState } = this.readStateFor(conversationType, targetId);
    if (typeof typingContentType !== 'string') throw new IMError(Code.RC_INVALID_PARAMETER);
    readState.sendTypingStatus(session, conversationType, targetId, typingContentType);
  }

  /** Tells the peer of a private chat that its messages up to `message` were read; the user's other devices take it as read too. */
  async sendReadReceipt(message: Message): Promise<void> {
    if (!message || message.conversationType !== ConversationType.PRIVATE || message.messageUId === '') throw new IMError(Code.RC_INVALID_PARAMETER);
    const { session, readState } = this.readStateFor(message.conversationType, message.targetId);
    await this.readStateCall(() => readState.sendReadReceipt(session, message.targetId, message.messageUId, message.sentTime));
  }

  /** Tells the senders of these group messages that the user read them (each sender hears the new count). */
  async sendReadReceiptResponse(groupId: string, messageUIds: string[]): Promise<void> {
    const { session, readState } = this.readStateFor(ConversationType.GROUP, groupId);
    if (!Array.isArray(messageUIds) || messageUIds.length === 0 || !messageUIds.every((uid) => typeof uid === 'string' && uid !== '')) throw new IMError(Code.RC_INVALID_PARAMETER);
    await this.readStateCall(() => readState.sendGroupReadReceipt(session, groupId, messageUIds));
  }

  /** Who read a group message the user sent (only its sender may ask). */
  async getMessageReader(groupId: string, messageUId: string): Promise<MessageReaders> {
    const { session, readState } = this.readStateFor(ConversationType.GROUP, groupId);
    if (typeof messageUId !== 'string' || messageUId === '') throw new IMError(Code.RC_INVALID_PARAMETER);
    return this.readStateCall(() => readState.getMessageReader(session, groupId, messageUId));
  }

  /** Marks a conversation read up to its latest message, on every device of the user. */
  async markConversationAsRead(conversationType: number, targetId: string): Promise<void> {
    const { session, readState } = this.readStateFor(conversationType, targetId);
    await this.readStateCall(() => readState.markConversationAsRead(session, conversationType, targetId, Date.now()));
  }

  /** Unread messages of one conversation, or of all of them. */
  async getUnreadCount(conversationType?: number, targetId?: string): Promise<number> {
    if (!this.store) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    const conversations = await this.store.getConversations();
    const counted = conversationType === undefined ? conversations : conversations.filter((c) => c.conversationType === conversationType && c.targetId === targetId);
    return counted.reduce((sum, c) => sum + c.unreadCount, 0);
  }

  /** The session and read state a read-state call goes through: it needs the server now. */
  private readStateFor(conversationType: number, targetId: string): { session: RmtpSession; readState: ReadState } {
    if (!this.readState) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (!SENDABLE_TYPES.has(conversationType) || typeof targetId !== 'string' || !isValidUserId(targetId)) throw new IMError(Code.RC_INVALID_PARAMETER);
    if (!this.session || this.status !== ConnectionStatus.CONNECTED) throw new IMError(Code.RC_NET_CHANNEL_INVALID);
    return { session: this.session, readState: this.readState };
  }

  /** Runs a read-state call, turning the server's refusal into an IMError with its status. */
  private async readStateCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw error instanceof ReadStateError ? new IMError(error.code) : error;
    }
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
        if (frame.topic === Topic.s_cmd && decodePayload('NotifyMsg', frame.payload).type === NotifyType.MODIFIED_MESSAGES) this.messenger?.onEditNotice();
        if (frame.topic === Topic.s_cmd) this.onReadStateNotice(decodePayload('NotifyMsg', frame.payload));
        if (frame.topic === Topic.s_msg) this.readState?.onLive(decodePayload('DownStreamMessage', frame.payload));
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
    this.readState = new ReadState(store, userId, {
      typing: (status) => {
        for (const listener of this.typingListeners) listener(status);
      },
      receipt: (receipt) => {
        for (const listener of this.receiptListeners) listener(receipt);
      },
    });
    this.messenger = new Messenger(
      store,
      userId,
      (messages) => {
        for (const listener of this.messageListeners) listener(messages);
      },
      Date.now,
      (messages) => {
        for (const listener of this.changeListeners) listener(messages);
      },
      this.readState,
    );
    return status;
  }

  /** An `s_cmd` 13: the user's read positions changed on another device; the version names what to sync. */
  private onReadStateNotice(notice: NotifyMsg): void {
    const session = this.session;
    if (notice.type !== NotifyType.SERVER_UNREAD || !session) return;
    void this.readState?.syncUnread(session, notice.time ?? 0).catch(() => undefined);
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
