import type { ConversationType, MessageDirection, Recall } from '@parley/protocol';

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
  /** Set once the message is recalled (core/messaging/message-changes.ts says how it then shows). */
  recall?: Recall;
  /** When its content was last edited, ms. */
  modifiedTime?: number;
  /** Its expansion, an ExpansionMap (@parley/protocol) as JSON; only for a message sent expandable. */
  expansion?: string;
  /** A directed group message: the only members it went to (besides its sender); absent for the whole conversation. */
  toUserIds?: string[];
}

/**
 * A change a new message (a recall command, an expansion update) makes to an earlier message of
 * its conversation; stored in the new message's transaction, and the new message is stored only
 * when the change applies.
 */
export type MessageChange =
  | { kind: 'recall'; uid: string; recall: Recall }
  | { kind: 'expand'; uid: string; put?: Record<string, string>; del?: string[] }
  | { kind: 'edit'; uid: string; content: string };

/** Where a user's inbox holds a message. */
export interface InboxPlace {
  userId: string;
  cursor: number;
  direction: MessageDirection;
}

/** What a change did: `applied`, or nothing at all. */
export type ChangeOutcome =
  | { kind: 'applied'; message: StoredMessage; holders: InboxPlace[] }
  /** Already done (a retried recall, an edit to the same content): `message` as it stands. */
  | { kind: 'repeat'; message: StoredMessage }
  | { kind: 'refused'; status: number; reason: string }
  /** No such message in that conversation (or it was purged). */
  | { kind: 'missing' };

export interface NewMessage extends StoredMessage {
  /** Users who receive the message in their inbox (direction 2). */
  recipients: string[];
  /** Whether the sender's own inbox gets a copy (direction 1) for their other devices. */
  senderCopy: boolean;
  /**
   * A change this message carries; it is stored only if the change applies, and then goes to the
   * inboxes that hold the changed message, whatever `recipients` says (change-rules.ts, changeRecipients).
   */
  change?: MessageChange & { conversationKey: string };
}

export interface AppendedMessage {
  /** The stored message: for a retried send, the one stored the first time. */
  message: StoredMessage;
  /** True when (app, sender, clientUniqueId) was stored before; nothing new was written. */
  duplicate: boolean;
  /** The inbox cursor each affected user got, for notifying them. */
  cursors: { userId: string; cursor: number }[];
  /** What the message's change did; unless applied, nothing was stored. */
  change?: ChangeOutcome;
}

export interface InboxEntry {
  /** Strictly increasing per user inbox; close to a millisecond timestamp. */
  cursor: number;
  /** 1: the user sent it (from another device, or this one); 2: the user received it. */
  direction: MessageDirection;
  message: StoredMessage;
  /**
   * For a message carrying a change: the cursor of the message it changed in this same inbox, when
   * the inbox received it (a sender's device may hold its own message whatever its cursor).
   */
  changesCursor?: number;
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
   * A backend that can write the next batch while this one commits calls `ordered` once nothing
   * a later batch does can come before this one's messages (WriteBatcher); one that never calls it
   * is given one batch at a time.
   */
  append(messages: NewMessage[], ordered?: () => void): Promise<AppendedMessage[]>;
  /** Inbox entries with cursor > `afterCursor`, oldest first. */
  pullInbox(appKey: string, userId: string, afterCursor: number, limit: number): Promise<InboxEntry[]>;
  /**
   * Persisted messages of one conversation that `viewer` may see (a directed message only when they
   * sent it or are among its toUserIds). `older`: sent before `time`, newest first; otherwise sent
   * after `time`, oldest first. A `window` further limits them to its sent times.
   */
  history(appKey: string, conversationKey: string, viewer: string, time: number, older: boolean, limit: number, window?: SentTimeWindow): Promise<StoredMessage[]>;
  /** The user's conversations changed before `before` (0 = no bound), most recent first. */
  conversations(appKey: string, userId: string, before: number, limit: number): Promise<ConversationEntry[]>;
  /** Deletes at most `limit` messages sent before `instant`, with their inbox rows; returns how many. */
  purgeBefore(instant: number, limit: number): Promise<number>;
}

/** Edits and the lookups that changes to sent messages need (core/messaging/message-changes.ts). */
export interface MessageChangeRepository {
  /** A stored message of the app by UID, as it stands now. */
  find(appKey: string, uid: string): Promise<StoredMessage | undefined>;
  /**
   * Applies an edit in one transaction; when applied, every user whose inbox holds the message has
   * it in their edit feed at a version above all earlier ones (the returned `versions`): one entry
   * per user and message, which each later edit moves.
   */
  edit(
    appKey: string,
    change: Extract<MessageChange, { kind: 'edit' }> & { conversationKey: string },
    time: number,
  ): Promise<{ outcome: ChangeOutcome; versions: { userId: string; version: number }[] }>;
  /** The user's edit feed after `version`, oldest first: each edited message as it stands now, but for recalled ones (their recall tells). */
  editsAfter(appKey: string, userId: string, version: number, limit: number): Promise<{ version: number; message: StoredMessage }[]>;
}

/** A conversation as one of its users names it: the peer, the group, or the system sender. */
export interface ConversationRef {
  conversationType: StoredConversationType;
  targetId: string;
}

/** A user's read position in a conversation (server-side unread). */
export interface ReadPosition extends ConversationRef {
  /** Messages sent up to this instant (ms) are read; 0 when never marked. */
  readTime: number;
  /** Orders the changes of one user's positions; 0 when never marked. */
  version: number;
}

/** Unread messages of a conversation, as ReadRepository.unread counts them. */
export interface UnreadMessages {
  count: number;
  /** Of them, those that mention the viewer: everyone, or them by name. */
  mentionCount: number;
  /** Of them, those that mention the viewer by name. */
  mentionMeCount: number;
  /** The oldest of them. */
  first: { uid: string; sentTime: number; objectName: string } | undefined;
  /**
   * The sent time of the newest of them, or of a recall command the viewer received later (the
   * count already leaves its recalled message out); 0 when there are none.
   */
  newest: number;
}

/** What ReadRepository.markRead did. */
export type MarkReadOutcome =
  /** The position moved; the change's version. */
  | { kind: 'moved'; version: number }
  /** It was there already: nothing changed. */
  | { kind: 'unchanged' }
  /** Not a conversation of the user's (see `listedOnly`): nothing changed. */
  | { kind: 'no-conversation' };

/** A group message's readers (receipts v2). */
export interface GroupReaders {
  senderId: string;
  groupId: string;
  /** How many users it reached: its recipients' inbox entries. */
  reached: number;
  /** In the order they read it. */
  readers: { userId: string; readTime: number }[];
}

/** Read state: read positions (server-side unread) and group read receipts. */
export interface ReadRepository {
  /**
   * Moves the user's read position in the conversation forward to `readTime`; the change's version
   * is at least `now` and above every earlier version of the user. With `listedOnly` (all but a
   * group the caller found the user a member of) a conversation without a position must be in the
   * user's conversation list, so positions never outnumber the conversations users have.
   */
  markRead(appKey: string, userId: string, conversation: ConversationRef, readTime: number, now: number, listedOnly: boolean): Promise<MarkReadOutcome>;
  /**
   * Gives the user's positions in these conversations a new version, moving none, for a change to
   * their unread made otherwise (a delete, a clear); a conversation without a position gets one
   * only when it is in the user's list. Returns the version.
   */
  touch(appKey: string, userId: string, conversations: ConversationRef[], now: number): Promise<number>;
  /** The user's read position in the conversation; 0 when never marked. */
  readTime(appKey: string, userId: string, conversation: ConversationRef): Promise<number>;
  /** The user's conversations (rows of their conversation list) after `after`, in a stable order, with their read positions. */
  positions(appKey: string, userId: string, after: ConversationRef | undefined, limit: number): Promise<ReadPosition[]>;
  /** The user's read positions changed at `version` or later, by version; `after` is the previous page's last. */
  changedSince(appKey: string, userId: string, version: number, after: ReadPosition | undefined, limit: number): Promise<ReadPosition[]>;
  /**
   * The unread of a conversation (its key, as in history) within `window`: of its newest `scanLimit`
   * messages there, the counted ones that reached `viewer`'s inbox (received, not their own), not
   * recalled, and not deleted or cleared by them. `senderId` narrows them to one sender (a system
   * conversation).
   */
  unread(appKey: string, viewer: string, conversationKey: string, window: SentTimeWindow, scanLimit: number, senderId?: string): Promise<UnreadMessages>;
  /** Forgets at most `limit` positions last changed before `instant`; returns how many. */
  purgeBefore(instant: number, limit: number): Promise<number>;
  /** Of `uids`, the group messages of `groupId` in `readerId`'s inbox, received or their own (each with its sender). */
  receivedInGroup(appKey: string, readerId: string, groupId: string, uids: string[]): Promise<{ uid: string; senderId: string }[]>;
  /** Records that `readerId` read these messages, once each; returns the UIDs read for the first time. */
  recordGroupReads(appKey: string, readerId: string, uids: string[], readTime: number): Promise<string[]>;
  /** Who read a group message; undefined when there is no such group message. */
  groupReaders(appKey: string, uid: string): Promise<GroupReaders | undefined>;
}

/** A conversation of a user with the key its messages share (core/messaging/conversation-key.ts). */
export interface KeyedConversation extends ConversationRef {
  conversationKey: string;
}

/** A conversation a user clears, and up to when. */
export interface HistoryClear extends KeyedConversation {
  /** Messages sent at or before this instant (ms) are cleared. */
  through: number;
}

/**
 * What users deleted (`delMsg`) or cleared (`clean*Msg`) from their own view of their conversations
 * (core/messaging/message-deletion.ts): hidden from that user alone in history, pulls and the
 * conversation list, on every device; everyone else keeps them. A conversation whose last message
 * is hidden shows the newest one left, or leaves the list when none is.
 */
export interface DeletionRepository {
  /**
   * Hides these messages of the conversation from `userId`, all or nothing: when a UID names no
   * message of that conversation in the user's inbox, nothing changes and such UIDs come back.
   * Hiding a hidden message again changes nothing.
   */
  hide(appKey: string, userId: string, conversation: KeyedConversation, uids: string[]): Promise<{ missing: string[] }>;
  /**
   * Hides from `userId` each conversation's messages sent through its instant, in one transaction.
   * A clear never moves back: the later of two instants holds. A conversation the user has no row
   * of has nothing left to hide and is left alone.
   */
  clear(appKey: string, userId: string, clears: HistoryClear[]): Promise<void>;
  /** Forgets at most `limit` clears through instants before `instant` that hide no stored message any more; returns how many. */
  purgeClears(instant: number, limit: number): Promise<number>;
}

/** A user's state of one conversation (pin, mute), as they set it on any device. */
export interface ConversationState extends ConversationRef {
  isTop: boolean;
  /** A NotificationLevel (@parley/protocol). */
  notificationLevel: number;
  /** Orders the changes of one user's states: strictly increasing per user, at least the change's instant. */
  version: number;
}

/** What a change names: the conversation, and the states it sets (the others stay). */
export interface ConversationStateChange extends ConversationRef {
  isTop?: boolean;
  notificationLevel?: number;
}

/**
 * Conversation states (core/messaging/conversation-states.ts) and the user's hold on their
 * conversation list: removing a conversation from it (its messages stay), and reading named ones.
 */
export interface ConversationStateRepository {
  /**
   * Applies the changes in one transaction, each conversation its own version above every earlier
   * one of the user (and at least `now`). `limit` bounds the states a user keeps: a change that
   * would add a state past it changes nothing and comes back `full`. `previous` is the user's
   * highest version before.
   */
  set(appKey: string, userId: string, changes: ConversationStateChange[], now: number, limit: number): Promise<{ kind: 'set'; states: ConversationState[]; previous: number } | { kind: 'full' }>;
  /** The user's states changed after `version`, oldest change first. */
  changedAfter(appKey: string, userId: string, version: number, limit: number): Promise<ConversationState[]>;
  /** Takes these conversations out of the user's list until a new message brings them back; returns how many were there. */
  unlist(appKey: string, userId: string, conversations: ConversationRef[]): Promise<number>;
  /** Of these conversations, those in the user's list, with their last message left to the user. */
  listed(appKey: string, userId: string, conversations: ConversationRef[]): Promise<ConversationEntry[]>;
}

export interface Store {
  readonly apps: AppRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly messages: MessageRepository;
  readonly deletions: DeletionRepository;
  readonly reads: ReadRepository;
  readonly messageChanges: MessageChangeRepository;
  readonly conversationStates: ConversationStateRepository;
  /** Cheap round trip used by /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
