import { ConversationType, MessageDirection, MessageFlag } from '@parley/protocol';
import type { NewMessage, StoredConversationType } from '../../store/store.js';

/**
 * What a batch of new messages does to inboxes and conversations, for every store backend. It reads
 * and writes nothing: each backend supplies the inboxes' last cursors its own way (the SQLite writer
 * from memory, being the only writer; PostgreSQL from head rows it holds locked until commit) and
 * writes what comes back.
 */

/** One inbox entry a message makes. */
export interface InboxWrite {
  userId: string;
  direction: MessageDirection;
  cursor: number;
  /** The inbox's last cursor before this entry (0 for an empty inbox): nothing lies between the two. */
  previousCursor: number;
}

/** An inbox a batch writes to, with its last cursor once the batch is written. */
export interface InboxHead {
  appKey: string;
  userId: string;
  cursor: number;
}

/** A user's conversation row that a batch points at one of its messages. */
export interface ConversationTouch {
  appKey: string;
  userId: string;
  conversationType: StoredConversationType;
  targetId: string;
  versionTime: number;
  /** The position in the batch of the message that becomes the conversation's latest. */
  messageIndex: number;
}

export interface FanOut {
  /** The inbox entries of each message, in batch order. */
  entries: InboxWrite[][];
  /** Every inbox the batch writes to, once, by inboxKey. */
  heads: Map<string, InboxHead>;
  /** Every conversation the batch changes, once: the last of its persisted messages to reach it wins. */
  conversations: ConversationTouch[];
}

/**
 * An inbox's last cursor before the batch (0 when it has none), asked once per inbox a batch writes
 * to; `key` is its inboxKey.
 */
export type LastCursorOf = (appKey: string, userId: string, key: string) => number;

/** How FanOut.heads names an inbox. User ids hold no newline (USER_ID_PATTERN), so keys never collide. */
export function inboxKey(appKey: string, userId: string): string {
  return `${appKey}\n${userId}`;
}

/** Every inbox a batch writes to, once each: what a backend must lock before asking for last cursors. */
export function inboxesOf(messages: readonly NewMessage[]): { appKey: string; userId: string }[] {
  const inboxes = new Map<string, { appKey: string; userId: string }>();
  for (const m of messages) forEachInboxOf(m, (userId) => inboxes.set(inboxKey(m.appKey, userId), { appKey: m.appKey, userId }));
  return [...inboxes.values()];
}

/**
 * The inbox entries, inbox heads and conversation rows a batch writes. `lastCursorOf` is asked once per
 * inbox, before its first entry of the batch; later entries follow the cursors the batch gave.
 */
export function fanOut(messages: readonly NewMessage[], lastCursorOf: LastCursorOf): FanOut {
  const heads = new Map<string, InboxHead>();
  const conversations = new Map<string, ConversationTouch>();
  const entries = messages.map((m, messageIndex) => {
    const written: InboxWrite[] = [];
    forEachInboxOf(m, (userId, direction) => {
      const key = inboxKey(m.appKey, userId);
      let head = heads.get(key);
      if (!head) {
        head = { appKey: m.appKey, userId, cursor: lastCursorOf(m.appKey, userId, key) };
        heads.set(key, head);
      }
      const previousCursor = head.cursor;
      // The send time, pushed past the inbox's previous cursor when needed, so that cursors strictly
      // increase however many messages share a millisecond and however the senders' clocks differ.
      head.cursor = Math.max(m.sentTime, previousCursor + 1);
      written.push({ userId, direction, cursor: head.cursor, previousCursor });
      // Status messages (typing and the like) are not persisted and never become a conversation's latest.
      if ((m.flags & MessageFlag.PERSISTED) === 0) return;
      const targetId = conversationTargetFor(m, direction);
      const conversationKey = `${key}\n${m.conversationType}\n${targetId}`;
      const touch = conversations.get(conversationKey);
      if (touch) {
        touch.versionTime = m.sentTime;
        touch.messageIndex = messageIndex;
      } else {
        conversations.set(conversationKey, { appKey: m.appKey, userId, conversationType: m.conversationType, targetId, versionTime: m.sentTime, messageIndex });
      }
    });
    return written;
  });
  return { entries, heads, conversations: [...conversations.values()] };
}

/** Each recipient gets the message as received; the sender, when it keeps a copy, as sent (for their other devices). */
function forEachInboxOf(m: NewMessage, visit: (userId: string, direction: MessageDirection) => void): void {
  for (const userId of m.recipients) visit(userId, MessageDirection.RECEIVE);
  if (m.senderCopy) visit(m.senderId, MessageDirection.SEND);
}

/** Whom the conversation is with, seen from one participant: the group, or the other party. */
function conversationTargetFor(m: NewMessage, direction: MessageDirection): string {
  if (m.conversationType === ConversationType.GROUP) return m.targetId;
  return direction === MessageDirection.SEND ? m.targetId : m.senderId;
}
