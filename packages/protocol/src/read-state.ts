import { parseJsonObject } from './json-object.js';

/**
 * Typing and read state as the official SDKs (`@rongcloud/engine` 5.38, `@rongcloud/electron` 5.46)
 * write and read them: status messages, read receipts, the read position a user syncs to their
 * other devices, and what counts as unread. Server and client share these rules.
 */

/** Object names of the messages that carry typing and read state. */
export const ReadStateMessageType = {
  /** Typing (a status message, on `ppMsgS`/`pgMsgS`): content `{typingContentType}`; never stored. */
  TYPING_STATUS: 'RC:TypSts',
  /** A private read receipt, to the peer and the reader's other devices: content {@link ReadReceipt}. */
  READ_RECEIPT: 'RC:ReadNtf',
  /** The user's read position in a conversation, for their own other devices only: `{lastMessageSendTime}`. */
  READ_STATUS_SYNC: 'RC:SRSMsg',
  /** Server → a group message's sender: how many have read it, `{msgId, rrn, tmn}` (receipts v2). */
  GROUP_READ_COUNT: 'RC:RRMsg',
} as const;

/** `RC:TypSts` content: the object name of what the user is typing. */
export interface TypingStatus {
  typingContentType: string;
}

/** `RC:ReadNtf` content: the peer has read up to `lastMessageSendTime`, the sent time of `messageUId`. */
export interface ReadReceipt {
  messageUId?: string;
  lastMessageSendTime: number;
  /** Always 1 from the SDKs. */
  type: number;
}

/** `RC:RRMsg` content: `rrn` of the `tmn` users the group message `msgId` reached have read it. */
export interface GroupReadCount {
  msgId: string;
  rrn: number;
  tmn: number;
}

/** An `RC:SRSMsg` content's read position, ms; undefined when it has none. */
export function parseReadStatusSync(content: string): number | undefined {
  const time = parseJsonObject(content)?.lastMessageSendTime;
  return typeof time === 'number' && Number.isSafeInteger(time) && time >= 0 ? time : undefined;
}

/** An `RC:ReadNtf` content; undefined when it has no read time. */
export function parseReadReceipt(content: string): ReadReceipt | undefined {
  const c = parseJsonObject(content);
  const time = c?.lastMessageSendTime;
  if (!c || typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) return undefined;
  return { ...(typeof c.messageUId === 'string' ? { messageUId: c.messageUId } : {}), lastMessageSendTime: time, type: typeof c.type === 'number' ? c.type : 1 };
}

/** An `RC:RRMsg` content; undefined when malformed. */
export function parseGroupReadCount(content: string): GroupReadCount | undefined {
  const c = parseJsonObject(content);
  if (!c || typeof c.msgId !== 'string' || typeof c.rrn !== 'number' || typeof c.tmn !== 'number') return undefined;
  return { msgId: c.msgId, rrn: c.rrn, tmn: c.tmn };
}

/** An `RC:TypSts` content; undefined when malformed. */
export function parseTypingStatus(content: string): TypingStatus | undefined {
  const type = parseJsonObject(content)?.typingContentType;
  return typeof type === 'string' ? { typingContentType: type } : undefined;
}

/**
 * Whom a mentioning message (flag MENTIONED) mentions, from its content's `mentionedInfo` (`type` 1:
 * everyone; 2: the users in `userIdList`), as the Web SDK counts it: `everyone` adds to a reader's
 * mentioned count, being named to both the mentioned and the mentioned-me counts. Undefined when
 * it mentions no one.
 */
export function mentionTargetsOf(content: string): 'everyone' | string[] | undefined {
  const info = parseJsonObject(content)?.mentionedInfo;
  if (typeof info !== 'object' || info === null) return undefined;
  const { type, userIdList } = info as { type?: unknown; userIdList?: unknown };
  if (type === 1) return 'everyone';
  if (type !== 2 || !Array.isArray(userIdList)) return undefined;
  return userIdList.filter((id): id is string => typeof id === 'string');
}

/**
 * `DownStreamMessage.optionBits` bit of an `RC:RcCmd` telling the Web SDK, with `serverSaveUnread`,
 * that the recall lowers the reader's unread count (its `keepUnreadCount` is the bit's absence).
 */
export const RECALL_LOWERS_UNREAD = 16;
