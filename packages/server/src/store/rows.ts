import { isValidUserId, mentionTargetsOf, MessageDirection, MessageFlag, type Recall } from '@parley/protocol';
import type { ChangedState } from '../core/messaging/change-rules.js';
import type {
  AppRecord,
  ConversationEntry,
  GroupRecord,
  InboxEntry,
  MembershipPeriod,
  NewMessage,
  ReadPosition,
  SentTimeWindow,
  StoredConversationType,
  StoredMessage,
  UserRecord,
} from './store.js';

/**
 * Rows as both backends read them (the shared migrations give them the same columns), and the
 * records they become: the backends differ in how they talk to their database, not in this.
 */

/** The flag bit of a message kept in history and conversations. */
export const PERSISTED = MessageFlag.PERSISTED;

/** An app field stored in a column of its own (everything but the key). */
export type AppField = keyof Omit<AppRecord, 'appKey'>;

export interface AppRow {
  app_key: string;
  app_secret: string;
  name: string;
  state: string;
  token_lifetime_seconds: number;
  device_policy: string;
  max_devices: number;
  safe_domains: string;
  signature_mode: string;
  api_rate_limit: number;
  development: number;
  created_at: number;
  updated_at: number;
}

export const appColumns: Record<AppField, keyof AppRow> = {
  appSecret: 'app_secret',
  name: 'name',
  state: 'state',
  tokenLifetimeSeconds: 'token_lifetime_seconds',
  devicePolicy: 'device_policy',
  maxDevices: 'max_devices',
  safeDomains: 'safe_domains',
  signatureMode: 'signature_mode',
  apiRateLimit: 'api_rate_limit',
  development: 'development',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export function appFromRow(row: AppRow): AppRecord {
  return {
    appKey: row.app_key,
    appSecret: row.app_secret,
    name: row.name,
    state: row.state as AppRecord['state'],
    tokenLifetimeSeconds: row.token_lifetime_seconds,
    devicePolicy: row.device_policy as AppRecord['devicePolicy'],
    maxDevices: row.max_devices,
    safeDomains: JSON.parse(row.safe_domains) as string[],
    signatureMode: row.signature_mode as AppRecord['signatureMode'],
    apiRateLimit: row.api_rate_limit,
    development: row.development !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function appColumnValue(field: AppField, value: unknown): unknown {
  if (field === 'development') return value ? 1 : 0;
  return field === 'safeDomains' ? JSON.stringify(value) : value;
}

export interface UserRow {
  app_key: string;
  user_id: string;
  name: string;
  portrait_uri: string;
  created_at: number;
  tokens_valid_after: number;
  blocked_until: number;
  deactivated: number;
}

export function userFromRow(row: UserRow): UserRecord {
  return {
    appKey: row.app_key,
    userId: row.user_id,
    name: row.name,
    portraitUri: row.portrait_uri,
    createdAt: row.created_at,
    tokensValidAfter: row.tokens_valid_after,
    blockedUntil: row.blocked_until,
    deactivated: row.deactivated === 1,
  };
}

export interface GroupRow {
  app_key: string;
  group_id: string;
  name: string;
  created_at: number;
}

export function groupFromRow(row: GroupRow): GroupRecord {
  return { appKey: row.app_key, groupId: row.group_id, name: row.name, createdAt: row.created_at };
}

export interface PeriodRow {
  joined_at: number;
  left_at: number | null;
}

export function periodFromRow(row: PeriodRow): MembershipPeriod {
  return { joinedAt: row.joined_at, leftAt: row.left_at ?? undefined };
}

/** A history window as two bounds a query can always bind: sent_time >= from AND sent_time < to. */
export function windowBounds(window: SentTimeWindow | undefined): [from: number, to: number] {
  return [window?.from ?? 0, window?.to ?? Number.MAX_SAFE_INTEGER];
}

export interface MessageRow {
  seq: number;
  app_key: string;
  uid: string;
  conversation_type: number;
  target_id: string;
  conversation_key: string;
  sender_id: string;
  object_name: string;
  content: string;
  sent_time: number;
  flags: number;
  client_unique_id: string | null;
  recall: string | null;
  recall_deleted: number;
  modified_time: number | null;
  expansion: string | null;
  changes_seq: number | null;
  directed_to: string | null;
}

export function messageFromRow(row: MessageRow): StoredMessage {
  return {
    appKey: row.app_key,
    uid: row.uid,
    conversationType: row.conversation_type as StoredConversationType,
    targetId: row.target_id,
    conversationKey: row.conversation_key,
    senderId: row.sender_id,
    objectName: row.object_name,
    content: row.content,
    sentTime: row.sent_time,
    flags: row.flags,
    clientUniqueId: row.client_unique_id ?? undefined,
    ...changedStateOf(row),
    ...(row.directed_to === null ? {} : { toUserIds: JSON.parse(row.directed_to) as string[] }),
  };
}

/** The state changes gave a message (migration 7); absent fields mean none. */
function changedStateOf(row: MessageRow): Pick<StoredMessage, 'recall' | 'modifiedTime' | 'expansion'> {
  return {
    ...(row.recall === null ? {} : { recall: JSON.parse(row.recall) as Recall }),
    ...(row.modified_time === null ? {} : { modifiedTime: row.modified_time }),
    ...(row.expansion === null ? {} : { expansion: row.expansion }),
  };
}

/** The columns a change writes (core/messaging/change-rules.ts), as both backends bind them. */
export function changedColumns(state: ChangedState): { content: string; recall: string | null; recallDeleted: number; modifiedTime: number | null; expansion: string | null } {
  return {
    content: state.content,
    recall: state.recall ? JSON.stringify(state.recall) : null,
    recallDeleted: state.recall?.isDelete ? 1 : 0,
    modifiedTime: state.modifiedTime ?? null,
    expansion: state.expansion ?? null,
  };
}

/** A pull's row: the inbox entry's columns, then the message's, then where the message it changes sits in this inbox (CHANGES_CURSOR_JOIN). */
export type InboxRow = MessageRow & { cursor: number; direction: MessageDirection; changes_cursor: number | null };

export function inboxEntryFromRow(row: InboxRow): InboxEntry {
  const entry: InboxEntry = { cursor: row.cursor, direction: row.direction, message: messageFromRow(row) };
  if (row.changes_cursor !== null) entry.changesCursor = row.changes_cursor;
  return entry;
}

/**
 * The pull's join that finds, for an entry carrying a change, the changed message's entry in the
 * same inbox (`changes_cursor`); `i` is the inbox, `m` the message.
 */
export const CHANGES_CURSOR_JOIN = `LEFT JOIN inbox ci ON ci.message_seq = m.changes_seq AND ci.app_key = i.app_key AND ci.user_id = i.user_id
  AND ci.direction = ${MessageDirection.RECEIVE}`;

/** A conversation-list row: the conversation's columns (prefixed `c_`), then its last message's. */
export type ConversationRow = MessageRow & { c_type: number; c_target: string; c_version: number };

export function conversationFromRow(row: ConversationRow): ConversationEntry {
  return {
    conversationType: row.c_type as StoredConversationType,
    targetId: row.c_target,
    versionTime: row.c_version,
    lastMessage: messageFromRow(row),
  };
}

export function stripDelivery(m: NewMessage): StoredMessage {
  const { recipients: _recipients, senderCopy: _senderCopy, ...message } = m;
  return message;
}

/** The `directed_to` column of a message: its toUserIds as a JSON array, NULL for the whole conversation. */
export function directedToColumn(toUserIds: readonly string[] | undefined): string | null {
  return toUserIds === undefined ? null : JSON.stringify(toUserIds);
}

/**
 * What a `directed_to` column contains when it names `userId`: the id as a JSON string. User ids
 * hold no quote (USER_ID_PATTERN), so the quoted id matches that one element and nothing else.
 */
export function directedMatch(userId: string): string {
  return JSON.stringify(userId);
}

/**
 * The `mentioned` column of a message: `*` when it mentions everyone, the users it names as a JSON
 * array (matched as `directed_to` is, with directedMatch), NULL when it mentions no one. Only ids a
 * user can have are kept: they hold no quote, so no element can pass for another.
 */
export function mentionedColumn(m: Pick<StoredMessage, 'flags' | 'content'>): string | null {
  if ((m.flags & MessageFlag.MENTIONED) === 0) return null;
  const targets = mentionTargetsOf(m.content);
  if (targets === 'everyone') return MENTIONS_EVERYONE;
  const named = targets?.filter(isValidUserId) ?? [];
  return named.length > 0 ? JSON.stringify(named) : null;
}

/** The `mentioned` column of a message that mentions everyone. */
export const MENTIONS_EVERYONE = '*';

/** A read position's row; never-marked conversations read as 0s. */
export interface PositionRow {
  conversation_type: number;
  target_id: string;
  read_time: number;
  version: number;
}

export function positionFromRow(row: PositionRow): ReadPosition {
  return { conversationType: row.conversation_type as StoredConversationType, targetId: row.target_id, readTime: row.read_time, version: row.version };
}
