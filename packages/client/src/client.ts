import { ConnectionErrorCode as Code, ConnectionStatus, ConversationType, DatabaseOpenStatus } from './enums.js';
import { connectAttempt } from './connection/connect-attempt.js';
import { ConnectionDriver } from './connection/connection-driver.js';
import type { RmtpSession } from './connection/rmtp-session.js';
import { realScheduler } from './connection/scheduler.js';
import type { Environment } from './environment.js';
import { ChatroomError, Chatrooms, type ChatroomInfo, type ChatroomJoinInfo } from './messaging/chatrooms.js';
import { ConversationStates, type ConversationStateUpdate } from './messaging/conversation-states.js';
import { toPublicMessage, type Message, type MessageContent } from './messaging/message.js';
import { MessageDeletion } from './messaging/message-deletion.js';
import { Messenger, SendError } from './messaging/messenger.js';
import { OnlineStatus, OnlineStatusError, validExpiry, validSubjects, type UserOnlineStatus } from './messaging/online-status.js';
import { ReadState, ReadStateError, type MessageReaders, type ReadReceipt, type TypingStatus } from './messaging/read-state.js';
import { fromDownStream } from './messaging/wire-messages.js';
import type { InitOptions } from './options.js';
import { MemoryLocalStoreFactory } from './store/memory-store.js';
import { isStorableUserId, type LocalConversation, type LocalConversationState, type MetaStore, type UserStore } from './store/local-store.js';
import {
  AckStatus,
  ChangeMessageType,
  checkExpansionKeys,
  checkExpansionValues,
  decodePayload,
  encodePayload,
  historyTopicFor,
  isMediaFileType,
  isNotificationLevel,
  isValidUserId,
  MAX_DELETED_MESSAGES,
  MediaFileType,
  NotifyType,
  sendTopicFor,
  Topic,
  type NotifyMsg,
} from '@parley/protocol';
import { validateProxyOptions } from './transport/proxy/proxy-options.js';
import { postUpload, uploadForm, uploadKeyFor, type FileData, type UploadProgressListener } from './media/upload.js';

/** How a file is sent: its name and type when the data carries none (a Buffer), and progress. */
export interface SendFileOptions {
  /** Default: the File's own name, else `file`. */
  name?: string;
  /** Default: the Blob's own type. The server serves files by what their bytes are, whatever this says. */
  mimeType?: string;
  onProgress?: UploadProgressListener;
}

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
export type UserStatusListener = (status: UserOnlineStatus) => void;

export interface Conversation {
  conversationType: number;
  targetId: string;
  latestMessage: Message;
  /** Kept by the server and synced between the user's devices (markConversationAsRead). */
  unreadCount: number;
  /** Messages sent up to this instant are read; 0 when never marked. */
  lastReadTime: number;
  updatedAt: number;
  /** Pinned: kept by the server and synced between the user's devices (setConversationToTop). */
  isTop: boolean;
  /** A NotificationLevel: kept by the server and synced between the user's devices (setConversationNotificationLevel). */
  notificationLevel: number;
}

/** A conversation's pin or notification level changed, here or on another device of the user's. */
export type ConversationStateListener = (states: LocalConversationState[]) => void;

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
  protected readonly statusListeners = new Set<StatusListener>();
  protected readonly messageListeners = new Set<MessageListener>();
  protected readonly changeListeners = new Set<MessageListener>();
  private readState: ReadState | undefined;
  private chatrooms: Chatrooms | undefined;
  protected readonly typingListeners = new Set<TypingStatusListener>();
  protected readonly receiptListeners = new Set<ReadReceiptListener>();
  /** Navigation's `uploadServer` from this process's last navigation (else the cached answer's). */
  private uploadServer: string | undefined;
  private onlineStatus: OnlineStatus | undefined;
  protected readonly userStatusListeners = new Set<UserStatusListener>();
  private conversationStates: ConversationStates | undefined;
  protected readonly conversationStateListeners = new Set<ConversationStateListener>();

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
    const { callback, timeLimit, knownUserId, valid } = connectArguments(token, a, b, c);
    const fail = (code: number) => queueMicrotask(() => callback.onError(code));
    const setup = this.setup;
    if (!setup) return fail(Code.RC_CLIENT_NOT_INIT);
    if (!valid) return fail(Code.RC_INVALID_PARAMETER);
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
    return this.sendWithClientId(conversationType, targetId, message, undefined);
  }

  /**
   * sendMessage with the caller's client id (tabs/tab-host.ts): a tab whose host died asks the
   * next one again with the same id, and the message is still queued and sent once.
   */
  protected async sendWithClientId(conversationType: number, targetId: string, message: MessageContent, clientId: string | undefined): Promise<Message> {
    if (!this.messenger) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (!SENDABLE_TYPES.has(conversationType) || typeof targetId !== 'string' || !isValidUserId(targetId) || !message || typeof message.objectName !== 'string') {
      throw new IMError(Code.RC_INVALID_PARAMETER);
    }
    try {
      return await this.messenger.send(conversationType, targetId, message, undefined, clientId);
    } catch (error) {
      if (error instanceof SendError) throw new IMError(error.code);
      throw error;
    }
  }

  // --- Files (the official SDK's sendImageMessage / sendFileMessage): the file goes to the server's
  // upload endpoint first, with a token asked for over the connection (qnTkn), then its URL goes out
  // in an ordinary message.

  /** Uploads an image and sends it as `RC:ImgMsg`; `thumbnail` is a base64 JPEG shown before the image loads. */
  async sendImageMessage(conversationType: number, targetId: string, file: FileData, options: SendFileOptions & { thumbnail?: string } = {}): Promise<Message> {
    this.checkSendable(conversationType, targetId);
    const uploaded = await this.uploadFile(MediaFileType.IMAGE, file, options);
    return this.sendMessage(conversationType, targetId, { objectName: 'RC:ImgMsg', content: { content: options.thumbnail ?? '', imageUri: uploaded.downloadUrl } });
  }

  /** Uploads a file and sends it as `RC:FileMsg` (name, size, extension and URL, as the official SDK's). */
  async sendFileMessage(conversationType: number, targetId: string, file: FileData, options: SendFileOptions = {}): Promise<Message> {
    this.checkSendable(conversationType, targetId);
    const uploaded = await this.uploadFile(MediaFileType.FILE, file, options);
    const extension = /\.([^.]{1,16})$/.exec(uploaded.name)?.[1] ?? '';
    return this.sendMessage(conversationType, targetId, { objectName: 'RC:FileMsg', content: { name: uploaded.name, size: uploaded.size, type: extension, fileUrl: uploaded.downloadUrl } });
  }

  /**
   * Uploads a file to the server (for a message type of the app's own) and resolves with its
   * download URL. Rejects with the server's status for a refused token (26106: over the server's
   * size limit) and 34011 when the upload itself fails.
   */
  async uploadFile(fileType: number, file: FileData, options: SendFileOptions = {}): Promise<{ downloadUrl: string; name: string; size: number }> {
    if (!this.messenger) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (!isMediaFileType(fileType) || !(file instanceof Blob || file instanceof Uint8Array)) throw new IMError(Code.RC_INVALID_PARAMETER);
    const session = this.session;
    if (!session || this.status !== ConnectionStatus.CONNECTED) throw new IMError(Code.RC_NET_CHANNEL_INVALID);
    const uploadServer = this.uploadServer ?? (await this.store?.getNavigation())?.uploadServer;
    if (!uploadServer) throw new IMError(Code.UPLOAD_FAIL);
    const name = options.name ?? (typeof File !== 'undefined' && file instanceof File ? file.name : 'file');
    const size = file instanceof Blob ? file.size : file.byteLength;
    const key = uploadKeyFor(fileType, name, Date.now());
    const answer = await session.query(Topic.qnTkn, this.userId ?? '', encodePayload('GetQNupTokenInput', { type: fileType, key, size: Math.ceil(size / 1024) }));
    if (answer.status !== AckStatus.SUCCESS) throw new IMError(answer.status);
    const { token } = decodePayload('GetQNupTokenOutput', answer.payload);
    const type = options.mimeType ?? (file instanceof Blob ? file.type : '') ?? '';
    const response = await postUpload(uploadServer, uploadForm(token, key, file, name, type), options.onProgress).catch(() => undefined);
    if (response?.status !== 200) throw new IMError(Code.UPLOAD_FAIL);
    const url = await session.query(Topic.qnUrl, this.userId ?? '', encodePayload('GetDownloadUrlInput', { type: fileType, key, fileName: name }));
    if (url.status !== AckStatus.SUCCESS) throw new IMError(Code.UPLOAD_FAIL);
    return { downloadUrl: decodePayload('GetDownloadUrlOutput', url.payload).downloadUrl, name, size };
  }

  private checkSendable(conversationType: number, targetId: string): void {
    if (!SENDABLE_TYPES.has(conversationType) || typeof targetId !== 'string' || !isValidUserId(targetId)) throw new IMError(Code.RC_INVALID_PARAMETER);
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

  // --- Chatrooms: a live stream with a short history on the server, never kept in the local
  // database. Their messages reach the message listeners; a reconnect joins the rooms again.

  /**
   * Joins a chatroom, creating it when missing, and delivers its newest `count` messages (0: 10,
   * -1: none, at most 50) to the message listeners, then each new one.
   */
  async joinChatRoom(roomId: string, count = 0): Promise<ChatroomJoinInfo> {
    return this.chatroomCall((session, rooms) => rooms.join(session, roomId, count, true), roomId);
  }

  /** As joinChatRoom, for a room that already exists only (23410 otherwise). */
  async joinExistChatRoom(roomId: string, count = 0): Promise<ChatroomJoinInfo> {
    return this.chatroomCall((session, rooms) => rooms.join(session, roomId, count, false), roomId);
  }

  async quitChatRoom(roomId: string): Promise<void> {
    await this.chatroomCall((session, rooms) => rooms.quit(session, roomId), roomId);
  }

  async sendChatRoomMessage(roomId: string, message: MessageContent): Promise<Message> {
    if (!message || typeof message.objectName !== 'string') throw new IMError(Code.RC_INVALID_PARAMETER);
    return this.chatroomCall((session, rooms) => rooms.send(session, roomId, message), roomId);
  }

  /**
   * Sends a status message (typing and the like) to a chatroom: the members online now get it in
   * their message listeners, with an empty messageUId; it is never kept, so no history or later join has it.
   */
  async sendChatRoomStatusMessage(roomId: string, message: MessageContent): Promise<void> {
    if (!message || typeof message.objectName !== 'string') throw new IMError(Code.RC_INVALID_PARAMETER);
    await this.chatroomCall((session, rooms) => rooms.sendStatus(session, roomId, message), roomId);
  }

  /** The member count and the first `count` members (at most 20), earliest joins first (order 1) or latest (2). */
  async getChatRoomInfo(roomId: string, options: { count?: number; order?: 1 | 2 } = {}): Promise<ChatroomInfo> {
    return this.chatroomCall((session, rooms) => rooms.info(session, roomId, options.count ?? 0, options.order ?? 1), roomId);
  }

  /** The room's messages before `before` (default: now), newest first; the server keeps its newest 50. */
  async getChatRoomHistoryMessages(roomId: string, options: { before?: number; count?: number } = {}): Promise<Message[]> {
    const count = Math.min(50, Math.max(1, Math.trunc(options.count ?? 20)));
    return this.chatroomCall((session, rooms) => rooms.history(session, roomId, options.before ?? 0, count), roomId);
  }

  /** Sets a key-value of a joined room; another user's key only with `force`. */
  async setChatRoomEntry(roomId: string, key: string, value: string, options: { force?: boolean; autoDelete?: boolean } = {}): Promise<void> {
    await this.chatroomCall((session, rooms) => rooms.setEntry(session, roomId, key, value, options), roomId);
  }

  async removeChatRoomEntry(roomId: string, key: string, options: { force?: boolean } = {}): Promise<void> {
    await this.chatroomCall((session, rooms) => rooms.removeEntry(session, roomId, key, options.force ?? false), roomId);
  }

  async getAllChatRoomEntries(roomId: string): Promise<Record<string, string>> {
    return this.chatroomCall((session, rooms) => rooms.entries(session, roomId), roomId);
  }

  private async chatroomCall<T>(call: (session: RmtpSession, rooms: Chatrooms) => Promise<T>, roomId: string): Promise<T> {
    if (!this.chatrooms) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (typeof roomId !== 'string' || !isValidUserId(roomId)) throw new IMError(Code.RC_INVALID_PARAMETER);
    if (!this.session || this.status !== ConnectionStatus.CONNECTED) throw new IMError(Code.RC_NET_UNAVAILABLE);
    try {
      return await call(this.session, this.chatrooms);
    } catch (error) {
      if (error instanceof ChatroomError) throw new IMError(error.code);
      throw error;
    }
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
    const { states } = await this.store.getConversationStates();
    const stateOf = new Map(states.map((s) => [`${s.conversationType}\n${s.targetId}`, s]));
    return (await this.store.getConversations()).map((c: LocalConversation) => {
      const state = stateOf.get(`${c.conversationType}\n${c.targetId}`);
      return {
        conversationType: c.conversationType,
        targetId: c.targetId,
        latestMessage: toPublicMessage(c.latestMessage),
        unreadCount: c.unreadCount,
        lastReadTime: c.lastReadTime,
        updatedAt: c.updatedAt,
        isTop: state?.isTop ?? false,
        notificationLevel: state?.notificationLevel ?? 0,
      };
    });
  }

  // --- Conversation states kept by the server (the official SDK's setConversationToTop,
  // setConversationNotificationLevel, removeConversation, getConversation): every device of the
  // user shows the same, fresh ones included. Changes need the server now, as the official SDK's do.

  /** One conversation as this device has it; when it has none and is connected, as the server has it. */
  async getConversation(conversationType: number, targetId: string): Promise<Conversation | undefined> {
    const { store, states } = this.conversationStatesFor(conversationType, targetId, true, false);
    const find = async () => (await this.getConversationList()).find((c) => c.conversationType === conversationType && c.targetId === targetId);
    const local = await find();
    if (local || !this.session || this.status !== ConnectionStatus.CONNECTED || !store) return local;
    const { status } = await states.fetchLatest(this.session, conversationType, targetId);
    if (status !== AckStatus.SUCCESS) throw new IMError(status);
    return find();
  }

  /** Pins or unpins a conversation on every device of the user. */
  async setConversationToTop(conversationType: number, targetId: string, isTop: boolean): Promise<void> {
    await this.changeConversationState(conversationType, targetId, typeof isTop === 'boolean', { isTop });
  }

  /** Sets a conversation's NotificationLevel (mute) on every device of the user. */
  async setConversationNotificationLevel(conversationType: number, targetId: string, level: number): Promise<void> {
    await this.changeConversationState(conversationType, targetId, typeof level === 'number' && isNotificationLevel(level), { notificationLevel: level });
  }

  /** Removes a conversation from the user's list on every device, until a new message brings it back; its messages stay. */
  async removeConversation(conversationType: number, targetId: string): Promise<void> {
    const { session, states } = this.conversationStatesFor(conversationType, targetId, true, true);
    const status = await states.remove(session!, conversationType, targetId);
    if (status !== AckStatus.SUCCESS) throw new IMError(status);
  }

  /** Pins and notification levels as they change, from this device or another of the user's. */
  addConversationStateListener(listener: ConversationStateListener): void {
    this.conversationStateListeners.add(listener);
  }

  removeConversationStateListener(listener: ConversationStateListener): void {
    this.conversationStateListeners.delete(listener);
  }

  private async changeConversationState(conversationType: number, targetId: string, valid: boolean, update: ConversationStateUpdate): Promise<void> {
    const { session, states } = this.conversationStatesFor(conversationType, targetId, valid, true);
    const status = await states.set(session!, conversationType, targetId, update);
    if (status !== AckStatus.SUCCESS) throw new IMError(status);
  }

  private conversationStatesFor(conversationType: number, targetId: string, argumentsValid: boolean, needsServer: boolean): { store: UserStore; states: ConversationStates; session: RmtpSession | undefined } {
    if (!this.store || !this.conversationStates) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    const offered = (Object.values(ConversationType) as number[]).includes(conversationType);
    if (!argumentsValid || !offered || typeof targetId !== 'string' || !isValidUserId(targetId)) throw new IMError(Code.RC_INVALID_PARAMETER);
    if (needsServer && (!this.session || this.status !== ConnectionStatus.CONNECTED)) throw new IMError(Code.RC_NET_CHANNEL_INVALID);
    return { store: this.store, states: this.conversationStates, session: this.session };
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

  // --- Online status of other users (the official SDK's subscribeUserStatus, unSubscribeUserStatus,
  // getSubscribeUsersOnlineStatus and SUBSCRIBED_USER_STATUS_CHANGE). Subscriptions are kept by the
  // server for the user, so every device of theirs hears the changes until they expire.

  /** A subscribed user went online or offline on some platforms (`platforms`: those that changed). */
  addUserStatusListener(listener: UserStatusListener): void {
    this.userStatusListeners.add(listener);
  }

  removeUserStatusListener(listener: UserStatusListener): void {
    this.userStatusListeners.delete(listener);
  }

  /** Subscribes to up to 200 users' online status for `expirySeconds` (60 s to 30 days); a user holds at most 1000 (26022 past that). */
  async subscribeUserStatus(userIds: string[], expirySeconds: number): Promise<void> {
    if (!validExpiry(expirySeconds)) throw new IMError(Code.RC_INVALID_PARAMETER);
    await this.onlineStatusCall(userIds, (session, status) => status.subscribe(session, userIds, expirySeconds));
  }

  async unsubscribeUserStatus(userIds: string[]): Promise<void> {
    await this.onlineStatusCall(userIds, (session, status) => status.unsubscribe(session, userIds));
  }

  /** The current status of those of `userIds` (up to 200) the user subscribes to. */
  async getSubscribedUserStatus(userIds: string[]): Promise<UserOnlineStatus[]> {
    return this.onlineStatusCall(userIds, (session, status) => status.status(session, userIds));
  }

  private async onlineStatusCall<T>(userIds: string[], call: (session: RmtpSession, status: OnlineStatus) => Promise<T>): Promise<T> {
    if (!this.onlineStatus) throw new IMError(Code.RC_CLIENT_NOT_INIT);
    if (!validSubjects(userIds)) throw new IMError(Code.RC_INVALID_PARAMETER);
    if (!this.session || this.status !== ConnectionStatus.CONNECTED) throw new IMError(Code.RC_NET_CHANNEL_INVALID);
    try {
      return await call(this.session, this.onlineStatus);
    } catch (error) {
      throw error instanceof OnlineStatusError ? new IMError(error.code) : error;
    }
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
        // Kept here too: a first login's database opens only after this.
        if (result.navigation) this.uploadServer = result.navigation.uploadServer;
        return result;
      },
      onSession: (session, userId) => {
        this.session = session;
        // The first success of an unknown user opens its database before this runs; wait for it.
        void this.storeReady
          .then(async () => {
            if (this.userId !== userId) return;
            const fresh = (await this.store?.getSyncCursor()) === 0;
            await this.messenger?.attach(session);
            if (fresh && this.session === session) await this.conversationStates?.trimToServerList(session);
          })
          .catch(() => undefined);
        this.chatrooms?.rejoin(session);
        void this.storeReady.then(() => (this.session === session ? this.onlineStatus?.sync(session) : undefined)).catch(() => undefined);
        void this.storeReady.then(() => (this.session === session ? this.conversationStates?.sync(session) : undefined)).catch(() => undefined);
      },
      onSessionEnded: (session) => {
        if (this.session === session) this.session = undefined;
        this.messenger?.detach(session);
      },
      onPush: (frame) => {
        if (frame.topic === Topic.s_ntf || frame.topic === Topic.s_cmd) this.onChatroomNotice(frame.topic, decodePayload('NotifyMsg', frame.payload));
        if (frame.topic === Topic.s_ntf && decodePayload('NotifyMsg', frame.payload).type !== NotifyType.CHATROOM) this.messenger?.onNotice();
        if (frame.topic === Topic.s_cmd && decodePayload('NotifyMsg', frame.payload).type === NotifyType.MODIFIED_MESSAGES) this.messenger?.onEditNotice();
        if (frame.topic === Topic.s_cmd) this.onReadStateNotice(decodePayload('NotifyMsg', frame.payload));
        if (frame.topic === Topic.s_cmd && decodePayload('NotifyMsg', frame.payload).type === NotifyType.CONVERSATION_STATES && this.session) {
          void this.conversationStates?.sync(this.session).catch(() => undefined);
        }
        if (frame.topic === Topic.s_msg) this.readState?.onLive(decodePayload('DownStreamMessage', frame.payload));
        if (frame.topic === Topic.s_msg) this.chatrooms?.onLive(decodePayload('DownStreamMessage', frame.payload));
        if (frame.topic === Topic.s_stat) this.onlineStatus?.onPush(frame.payload);
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
    this.conversationStates = new ConversationStates(store, userId, (states) => {
      for (const listener of this.conversationStateListeners) listener(states);
    });
    this.onlineStatus = new OnlineStatus((status) => {
      for (const listener of this.userStatusListeners) listener(status);
    });
    this.chatrooms = new Chatrooms(userId, (messages) => {
      for (const listener of this.messageListeners) listener(messages);
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

  private onChatroomNotice(topic: string, notice: NotifyMsg): void {
    if (this.session && notice.chrmId) this.chatrooms?.onNotice(this.session, topic, notice);
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

/**
 * The three forms of connect, told apart (also for a tab that shares its connection,
 * tabs/tab-link.ts). Throws 33003 without a callback; `valid` is false for arguments its onError refuses.
 */
export function connectArguments(
  token: string,
  a: number | ConnectCallback,
  b?: string | ConnectCallback,
  c?: ConnectCallback,
): { callback: ConnectCallback; timeLimit: number; knownUserId: string | undefined; valid: boolean } {
  const callback = [a, b, c].find((x): x is ConnectCallback => typeof x === 'object' && x !== null);
  const timeLimit = typeof a === 'number' ? a : 0;
  const knownUserId = typeof b === 'string' ? b : undefined;
  if (!callback || typeof callback.onSuccess !== 'function' || typeof callback.onError !== 'function') {
    throw new IMError(Code.RC_INVALID_PARAMETER);
  }
  const valid = typeof token === 'string' && token.length > 0 && token.length <= 1024 && Number.isFinite(timeLimit) && (knownUserId === undefined || isValidUserId(knownUserId));
  return { callback, timeLimit, knownUserId, valid };
}

function randomDeviceId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
