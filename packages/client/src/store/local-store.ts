/**
 * The SDK's local database: what lets `connect` open a user's history before any network I/O, and
 * what keeps the send queue and the sync cursor across restarts (docs/contract.md, "The client SDK").
 *
 * Three backends implement these interfaces: SQLite files in Node (sqlite-store.ts, the only
 * Node-only file of this folder), IndexedDB in browsers (indexeddb-store.ts), and memory
 * (memory-store.ts), the fallback when a database cannot open. All of them keep the same contract,
 * which store-contract.test.ts checks against each.
 */
import { isValidUserId, type MessageDirection } from '@parley/protocol';

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
}

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
  /** Received messages stored since the last clearUnread; own messages never count. */
  unreadCount: number;
}

export interface NavigationCache {
  servers: string[];
  expiresAt: number;
}

/** One user's database within one app. Every call rejects once the store is closed. */
export interface UserStore {
  /** False for the in-memory fallback: nothing outlives the process. */
  readonly persistent: boolean;
  /**
   * Adds the messages not seen before and returns those, in input order. A message has been seen
   * when its clientId is stored, or its messageUId (when not '') is. Duplicates within one call
   * count too: only the first is added. Each added message updates its conversation: latest
   * message (see LocalConversation), and unread +1 when it is a received one.
   */
  saveMessages(messages: LocalMessage[]): Promise<LocalMessage[]>;
  /**
   * Records the server's ack of an outgoing message: its UID, the server's sentTime, status
   * `sent`. If a copy with that UID was stored meanwhile (synced before the ack arrived), the copy
   * is dropped so the message is kept once, under its clientId. Unknown clientIds are ignored.
   */
  markSent(clientId: string, messageUId: string, sentTime: number): Promise<void>;
  /** `sending` → `failed`; a message already sent stays sent. Unknown clientIds are ignored. */
  markFailed(clientId: string): Promise<void>;
  /** Messages of one conversation with sentTime < before (0 = no bound), newest first, at most count. */
  getHistory(conversationType: number, targetId: string, before: number, count: number): Promise<LocalMessage[]>;
  /** Most recent first (by updatedAt). */
  getConversations(): Promise<LocalConversation[]>;
  clearUnread(conversationType: number, targetId: string): Promise<void>;
  /** Outgoing messages still `sending`, in the order they were saved: the send queue that survives restarts. */
  pendingOutgoing(): Promise<LocalMessage[]>;
  /** 0 when never synced. */
  getSyncCursor(): Promise<number>;
  /** Keeps the greater of the stored cursor and this one: the cursor never moves backwards. */
  setSyncCursor(cursor: number): Promise<void>;
  getNavigation(): Promise<NavigationCache | undefined>;
  setNavigation(value: NavigationCache): Promise<void>;
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
