/**
 * The SDK's local database: what lets `connect` open a user's history before any network I/O, and
 * what keeps the send queue and the sync cursor across restarts (docs/contract.md, "The client SDK").
 *
 * Three backends implement these interfaces: SQLite files in Node (sqlite-store.ts, the only
 * Node-only file of this folder), IndexedDB in browsers (indexeddb-store.ts), and memory
 * (memory-store.ts), the fallback when a database cannot open. All of them keep the same contract,
 * which store-contract.test.ts checks against each.
 */
import { ChangeMessageType, CLEAR_EVERYTHING, isValidUserId, MessageDirection } from '@parley/protocol';

/**
 * - `sending`: outgoing, not yet acked by the server; part of the send queue.
 * - `sent`: acked (has its server UID and time), or an own message synced from another device.
 * - `failed`: outgoing, given up on; not retried automatically.
 * - `received`: from someone else.
 */
export type LocalMessageStatus = 'sending' | 'sent' | 'failed' | 'received';

export interface LocalMessage {
  /** The server's UID; '' until an outgoing message is acked. */
  messageUId: string;
  /** The SDK's idempotent client id, unique per sent message; received messages use `uid:<messageUId>`. */
  clientId: string;
  /** A `ConversationType`. */
  conversationType: number;
  /** The conversation: the peer of a private chat, or the group. */
  targetId: string;
  senderUserId: string;
  objectName: string;
  /** Parsed JSON. */
  content: unknown;
  /** ms; the local clock until an outgoing message is acked, then the server's time. */
  sentTime: number;
  /** SEND for the user's own messages, from this device or another of theirs. */
  direction: MessageDirection;
  status: LocalMessageStatus;
  /** When its sender last edited it, ms. */
  modifiedTime?: number;
  /** Its expansion, for a message sent expandable. */
  expansion?: Record<string, string>;
}

/** What a change made elsewhere (a recall, an edit, an expansion update) rewrites of a stored message. */
export type LocalMessageUpdate = Partial<Pick<LocalMessage, 'objectName' | 'content' | 'modifiedTime' | 'expansion'>>;

export interface LocalConversation {
  conversationType: number;
  targetId: string;
  /**
   * The message with the greatest sentTime (ties: the one stored last). A message older than it
   * that arrives late (a history back-fill, a slow sync) does not replace it.
   */
  latestMessage: LocalMessage;
  /** The sentTime of latestMessage: the key the conversation list is ordered by. */
  updatedAt: number;
  /**
   * Received messages sent after lastReadTime (and after countedUpTo), plus what the server last
   * counted (markRead with `server`); own messages never count.
   */
  unreadCount: number;
  /** Messages sent up to this instant are read (markRead); 0 when never marked. */
  lastReadTime: number;
  /** The instant the server's last count accounted for: only messages sent after it add to that count. */
  countedUpTo: number;
}

/** A conversation's state the user set on any of their devices, as the server syncs it. */
export interface LocalConversationState {
  conversationType: number;
  targetId: string;
  isTop: boolean;
  /** A NotificationLevel (@parley/protocol). */
  notificationLevel: number;
}

/** A conversation's unread as the server counts it (server-side unread). */
export interface ServerUnread {
  unreadCount: number;
  /** The count accounts for the messages sent up to this instant. */
  countedUpTo: number;
}

export interface NavigationCache {
  servers: string[];
  expiresAt: number;
  /** Where files are uploaded (navigation's `uploadServer`), when the server takes uploads. */
  uploadServer?: string;
}

/** One user's database within one app. Every call rejects once the store is closed. */
export interface UserStore {
  /** False for the in-memory fallback: nothing outlives the process. */
  readonly persistent: boolean;
  /**
   * Adds the messages not seen before and returns those, in input order. A message has been seen
   * when its clientId is stored, or its messageUId (when not '') is. Duplicates within one call
   * count too: only the first is added. Each added message updates its conversation: latest
   * message (see LocalConversation), and unread +1 when it is a received one sent after the
   * conversation's lastReadTime and countedUpTo.
   */
  saveMessages(messages: LocalMessage[]): Promise<LocalMessage[]>;
  /**
   * Records the server's ack of an outgoing message: its UID, the server's sentTime, status
   * `sent`. If a copy with that UID was stored meanwhile (synced before the ack arrived), the copy
   * is dropped so the message is kept once, under its clientId. Unknown clientIds are ignored.
   */
  markSent(clientId: string, messageUId: string, sentTime: number): Promise<void>;
  /** The stored message with this UID. */
  getMessage(messageUId: string): Promise<LocalMessage | undefined>;
  /**
   * Rewrites the stored message with this UID (as it then stands is returned); unknown UIDs are
   * ignored. A message it recalls (turns into `RC:RcNtf`) no longer counts as unread (isRecalledUnread).
   */
  updateMessage(messageUId: string, update: LocalMessageUpdate): Promise<LocalMessage | undefined>;
  /** `sending` → `failed`; a message already sent stays sent. Unknown clientIds are ignored. */
  markFailed(clientId: string): Promise<void>;
  /**
   * Removes for good the messages the user deleted or cleared (see Removal). A conversation that
   * loses its latest message shows the newest one left, or goes when none is left; a removed message
   * that counted as unread no longer does.
   */
  removeMessages(removal: Removal): Promise<void>;
  /** Messages of one conversation with sentTime < before (0 = no bound), newest first, at most count. */
  getHistory(conversationType: number, targetId: string, before: number, count: number): Promise<LocalMessage[]>;
  /** Most recent first (by updatedAt). */
  getConversations(): Promise<LocalConversation[]>;
  /**
   * Moves the conversation's read position forward to `readTime` (never back) and recounts its
   * unread: the received messages stored with a later sentTime. With `server`, the server's count
   * (which may cover messages this device never stored) stands for those sent up to its
   * countedUpTo, and only stored ones sent after both count on top. Unknown conversations are ignored.
   */
  markRead(conversationType: number, targetId: string, readTime: number, server?: ServerUnread): Promise<void>;
  /** Outgoing messages still `sending`, in the order they were saved: the send queue that survives restarts. */
  pendingOutgoing(): Promise<LocalMessage[]>;
  /** Where this device's edit feed stands (pullModifyMsg); undefined until first set. */
  getEditCursor(): Promise<number | undefined>;
  /** Never moves the edit cursor backwards. */
  setEditCursor(cursor: number): Promise<void>;
  /** 0 when never synced. */
  getSyncCursor(): Promise<number>;
  /** Keeps the greater of the stored cursor and this one: the cursor never moves backwards. */
  setSyncCursor(cursor: number): Promise<void>;
  getNavigation(): Promise<NavigationCache | undefined>;
  setNavigation(value: NavigationCache): Promise<void>;
  /** The conversation states synced from the server, and the version they reach (0 when never synced). */
  getConversationStates(): Promise<{ states: LocalConversationState[]; version: number }>;
  /** Stores these states (each replaces the one of its conversation); the version never moves backwards. */
  saveConversationStates(states: LocalConversationState[], version: number): Promise<void>;
  /** Takes the conversation out of the list; its messages stay, and the next one stored lists it again. */
  removeConversation(conversationType: number, targetId: string): Promise<void>;
  close(): Promise<void>;
}

/** One per appKey: what is known before the userId is. */
export interface MetaStore {
  /**
   * The userId an earlier successful connect returned for this token. Tokens are keyed by their
   * SHA-256 digest, never stored as such: the database would otherwise hold live credentials.
   */
  userIdForToken(token: string): Promise<string | undefined>;
  rememberToken(token: string, userId: string): Promise<void>;
  close(): Promise<void>;
}

export interface LocalStoreFactory {
  /** Rejects with LocalStoreOpenError when the database cannot open (or the userId cannot name one). */
  openUser(appKey: string, userId: string): Promise<UserStore>;
  /** Rejects with LocalStoreOpenError when the database cannot open. */
  openMeta(appKey: string): Promise<MetaStore>;
}

/** The SDK reports it as DATABASE_OPEN_ERROR and goes on with a memory store. */
export class LocalStoreOpenError extends Error {
  override readonly name = 'LocalStoreOpenError';
}

/** A call on a store after its close(). */
export class LocalStoreClosedError extends Error {
  override readonly name = 'LocalStoreClosedError';
  constructor() {
    super('the local store is closed');
  }
}

/** The local database accepts exactly the userIds the server does. */
export function isStorableUserId(userId: string): boolean {
  return isValidUserId(userId);
}

/**
 * The hex SHA-256 of a token, or undefined where Web Crypto's digest is missing: browsers offer
 * `crypto.subtle` only in secure contexts (https, localhost), and a page on plain http must still
 * work, only without the token → userId cache.
 */
export async function tokenDigest(token: string): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A conversation's read state, as markRead leaves it. */
export type ConversationReadState = Pick<LocalConversation, 'unreadCount' | 'lastReadTime' | 'countedUpTo'>;

/** Whether a message stored now adds to its conversation's unread (see LocalConversation.unreadCount). */
export function addsToUnread(message: Pick<LocalMessage, 'direction' | 'sentTime'>, read: Omit<ConversationReadState, 'unreadCount'>): boolean {
  return message.direction === MessageDirection.RECEIVE && message.sentTime > Math.max(read.lastReadTime, read.countedUpTo);
}

/** Whether `update` recalls `message` (it becomes `RC:RcNtf`) while it counted as unread: the count then drops by one. */
export function isRecalledUnread(message: Pick<LocalMessage, 'objectName' | 'direction' | 'sentTime'>, update: LocalMessageUpdate, read: Omit<ConversationReadState, 'unreadCount'>): boolean {
  return update.objectName === ChangeMessageType.RECALL_NOTIFICATION && message.objectName !== ChangeMessageType.RECALL_NOTIFICATION && addsToUnread(message, read);
}

/**
 * The read state markRead leaves (see UserStore.markRead), from the one before and the stored
 * messages of the conversation. The SQLite backend says the same in SQL.
 */
export function readStateAfter(before: Omit<ConversationReadState, 'unreadCount'>, readTime: number, server: ServerUnread | undefined, stored: Iterable<Pick<LocalMessage, 'direction' | 'sentTime'>>): ConversationReadState {
  const lastReadTime = Math.max(before.lastReadTime, readTime);
  let unreadCount = server?.unreadCount ?? 0;
  for (const message of stored) if (addsToUnread(message, { lastReadTime, countedUpTo: server?.countedUpTo ?? 0 })) unreadCount++;
  return { unreadCount, lastReadTime, countedUpTo: Math.max(before.countedUpTo, server?.countedUpTo ?? 0) };
}

/**
 * Messages the user deleted (by UID) or cleared (a conversation's, sent at or before `through`; 0:
 * all of them). A clear leaves messages still being sent: they were never on the server, and their
 * sends go on.
 */
export type Removal = { messageUIds: string[] } | { conversationType: number; targetId: string; through: number };

/** Whether a removal takes this message. The SQLite backend says the same in SQL. */
export function isRemoved(message: Pick<LocalMessage, 'messageUId' | 'conversationType' | 'targetId' | 'sentTime' | 'status'>, removal: Removal): boolean {
  if ('messageUIds' in removal) return message.messageUId !== '' && removal.messageUIds.includes(message.messageUId);
  return (
    message.conversationType === removal.conversationType &&
    message.targetId === removal.targetId &&
    message.status !== 'sending' &&
    (removal.through === CLEAR_EVERYTHING || message.sentTime <= removal.through)
  );
}
