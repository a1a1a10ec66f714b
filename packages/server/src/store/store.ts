import type { ConversationType, MessageDirection } from '@parley/protocol';

/**
 * The storage port. SQLite (single node) and PostgreSQL (cluster mode) implement it; core code
 * sees only these types. Every method is async so that both backends fit the same shape.
 */
export type AppState = 'active' | 'blocked' | 'deleted';
/** per-class: one connection per platform class; single: one per user; multi: up to maxDevices. */
export type DevicePolicy = 'per-class' | 'single' | 'multi';
/** compatible: accepts the repeated nonce the official server SDK sends; strict: ±5 min, no replay. */
export type SignatureMode = 'compatible' | 'strict';

export interface AppRecord {
  appKey: string;
  appSecret: string;
  name: string;
  state: AppState;
  /** 0 means tokens never expire. */
  tokenLifetimeSeconds: number;
  devicePolicy: DevicePolicy;
  /** Used by the `multi` policy. */
  maxDevices: number;
  /** Origins (host or host:port) allowed to connect from browsers; empty allows any. */
  safeDomains: string[];
  signatureMode: SignatureMode;
  /** Server API calls per second for this app. */
  apiRateLimit: number;
  /** The app the first start created, which the demo signs users into (core/apps/dev-app.ts). */
  development: boolean;
  createdAt: number;
  updatedAt: number;
}

export type AppSettings = Pick<
  AppRecord,
  'name' | 'tokenLifetimeSeconds' | 'devicePolicy' | 'maxDevices' | 'safeDomains' | 'signatureMode' | 'apiRateLimit'
>;

export interface UserRecord {
  appKey: string;
  userId: string;
  name: string;
  portraitUri: string;
  createdAt: number;
  /** Tokens issued before this instant (ms) are expired; 0 when never set. */
  tokensValidAfter: number;
  /** The ban ends at this instant (ms); 0 or a past instant means not blocked. */
  blockedUntil: number;
  deactivated: boolean;
}

export interface UserProfile {
  name?: string;
  portraitUri?: string;
}

export interface AppRepository {
  insert(app: AppRecord): Promise<void>;
  /**
   * Inserts the app only into an empty apps table; false when there was an app already. Servers
   * starting together on an empty database so create one development app between them.
   */
  insertFirst(app: AppRecord): Promise<boolean>;
  get(appKey: string): Promise<AppRecord | undefined>;
  list(): Promise<AppRecord[]>;
  update(appKey: string, changes: Partial<Omit<AppRecord, 'appKey' | 'createdAt'>>): Promise<AppRecord | undefined>;
}

export interface UserRepository {
  /** Creates the user or updates the given profile fields; returns the stored record. */
  upsertProfile(appKey: string, userId: string, profile: UserProfile, now: number): Promise<UserRecord>;
  get(appKey: string, userId: string): Promise<UserRecord | undefined>;
  /** Updates the given profile fields of an existing user; false when there is no such user. */
  updateProfile(appKey: string, userId: string, profile: UserProfile): Promise<boolean>;
  /** Sets a per-user field for several users at once, creating users that do not exist yet. */
  setTokensValidAfter(appKey: string, userIds: string[], instant: number, now: number): Promise<void>;
  setBlockedUntil(appKey: string, userIds: string[], instant: number, now: number): Promise<void>;
  setDeactivated(appKey: string, userIds: string[], deactivated: boolean, now: number): Promise<void>;
  /** Users whose ban ends after `now`, ordered by userId. */
  listBlocked(appKey: string, now: number, page: { offset: number; limit: number }): Promise<UserRecord[]>;
}

/** Conversation types Parley stores. */
export type StoredConversationType = typeof ConversationType.PRIVATE | typeof ConversationType.GROUP | typeof ConversationType.SYSTEM;

export interface GroupRecord {
  appKey: string;
  groupId: string;
  name: string;
  createdAt: number;
}

/** A stretch of time a user was a member of a group: from `joinedAt` (inclusive) to `leftAt` (exclusive), ms. */
export interface MembershipPeriod {
  joinedAt: number;
  /** Undefined while the user is still a member. */
  leftAt: number | undefined;
}

/**
 * Membership periods kept per (app, group, user); past it, opening one drops the oldest. So a user
 * added and removed in a loop cannot grow the table, or the history read (a query per period),
 * without bound. The oldest go first because they cover the oldest messages, the ones retention
 * purges first; dropping a period only ever takes history away from the user, never grants it.
 */
export const MEMBERSHIP_PERIODS_KEPT = 20;

export interface GroupRepository {
  /**
   * Creates the group if needed (keeping an existing name unless one is given) and adds members.
   * Each user who was not a member gets a membership period opened at `now`.
   */
  addMembers(appKey: string, groupId: string, name: string | undefined, userIds: string[], now: number): Promise<void>;
  /** Removes members, closing their open membership period at `now`; non-members are ignored. */
  removeMembers(appKey: string, groupId: string, userIds: string[], now: number): Promise<void>;
  /**
   * Deletes the group with its memberships and every membership period, so that nobody reads its
   * history any more and a group re-created under the same id starts from nothing; false when there
   * was no such group.
   */
  dismiss(appKey: string, groupId: string): Promise<boolean>;
  /** The user's membership periods in the group, in the order they were opened; at most MEMBERSHIP_PERIODS_KEPT. */
  periods(appKey: string, groupId: string, userId: string): Promise<MembershipPeriod[]>;
  get(appKey: string, groupId: string): Promise<GroupRecord | undefined>;
  /** Member ids, ordered; empty for an unknown group. */
  members(appKey: string, groupId: string): Promise<string[]>;
  isMember(appKey: string, groupId: string, userId: string): Promise<boolean>;
}

export interface StoredMessage {
  appKey: string;
  uid: string;
  conversationType: StoredConversationType;
  /** The group id for a group message; the recipient for private and system messages. */
  targetId: string;
  /** Identifies the conversation both sides share; see core/messaging/conversation-key.ts. */
  conversationKey: string;
  senderId: string;
  objectName: string;
  content: string;
  /** Milliseconds. */
  sentTime: number;
  /** The sender's MessageFlag bits (protocol). */
  flags: number;
  clientUniqueId: string | undefined;
}

export interface NewMessage extends StoredMessage {
  /** Users who receive the message in their inbox (direction 2). */
  recipients: string[];
  /** Whether the sender's own inbox gets a copy (direction 1) for their other devices. */
  senderCopy: boolean;
}

export interface AppendedMessage {
  /** The stored message: for a retried send, the one stored the first time. */
  message: StoredMessage;
  /** True when (app, sender, clientUniqueId) was stored before; nothing new was written. */
  duplicate: boolean;
  /** The inbox cursor each affected user got, for notifying them. */
  cursors: { userId: string; cursor: number }[];
}

export interface InboxEntry {
  /** Strictly increasing per user inbox; close to a millisecond timestamp. */
  cursor: number;
  /** 1: the user sent it (from another device, or this one); 2: the user received it. */
  direction: MessageDirection;
  message: StoredMessage;
}

export interface ConversationEntry {
  conversationType: StoredConversationType;
  targetId: string;
  /** When the conversation last changed, ms. */
  versionTime: number;
  lastMessage: StoredMessage;
}

/** Sent times from `from` (inclusive) to `to` (exclusive; no upper bound when undefined), ms. */
export interface SentTimeWindow {
  from: number;
  to: number | undefined;
}

export interface MessageRepository {
  /**
   * Stores messages with their inbox entries and conversation updates, all in one transaction,
   * so an acked message always has every inbox row it needs. Results are in input order.
   */
  append(messages: NewMessage[]): Promise<AppendedMessage[]>;
  /** Inbox entries with cursor > `afterCursor`, oldest first. */
  pullInbox(appKey: string, userId: string, afterCursor: number, limit: number): Promise<InboxEntry[]>;
  /**
   * Persisted messages of one conversation. `older`: sent before `time`, newest first;
   * otherwise sent after `time`, oldest first. A `window` further limits them to its sent times.
   */
  history(appKey: string, conversationKey: string, time: number, older: boolean, limit: number, window?: SentTimeWindow): Promise<StoredMessage[]>;
  /** The user's conversations changed before `before` (0 = no bound), most recent first. */
  conversations(appKey: string, userId: string, before: number, limit: number): Promise<ConversationEntry[]>;
  /** Deletes at most `limit` messages sent before `instant`, with their inbox rows; returns how many. */
  purgeBefore(instant: number, limit: number): Promise<number>;
}

export interface Store {
  readonly apps: AppRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly messages: MessageRepository;
  /** Cheap round trip used by /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
