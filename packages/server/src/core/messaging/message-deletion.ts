import { AckStatus, CLEAR_EVERYTHING, ConversationType, isValidUserId, MAX_CLEARED_CONVERSATIONS, MAX_DELETED_MESSAGES } from '@parley/protocol';
import type { HistoryClear, KeyedConversation, Store, StoredConversationType } from '../../store/store.js';
import { conversationKey } from './conversation-key.js';
import type { Refusal } from './message-service.js';
import type { ReadStateService } from './read-state.js';

/** A conversation as a request names it, before it is checked. */
export interface NamedConversation {
  conversationType: number;
  targetId: string;
}

export type DeletionResult = { ok: true } | Refusal;

const STORED_TYPES: ReadonlySet<number> = new Set<StoredConversationType>([ConversationType.PRIVATE, ConversationType.GROUP, ConversationType.SYSTEM]);

/**
 * Deleting messages and clearing history, for the user who asks only (RongCloud's "delete remote
 * messages" and "clear history messages"): what they delete or clear never shows again on any of
 * their devices, new ones included, in history, pulls or the conversation list; the other side keeps
 * everything. A user acts on their own conversations only: the conversation key is made from the
 * caller, and a deleted UID must be a message of that conversation that reached the caller. Both are
 * idempotent, so a retried request changes nothing more.
 */
export class MessageDeletion {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly readState: Pick<ReadStateService, 'changingUnread'>,
  ) {}

  /** Hides these messages (by UID) of one conversation from `userId`; all or nothing. */
  async deleteMessages(appKey: string, userId: string, conversation: NamedConversation, uids: readonly string[]): Promise<DeletionResult> {
    const keyed = keyedConversation(userId, conversation);
    if ('ok' in keyed) return keyed;
    if (uids.length === 0 || uids.length > MAX_DELETED_MESSAGES) return refuse(AckStatus.PARAMETER_INVALID, `1-${MAX_DELETED_MESSAGES} messages at a time`);
    if (uids.some((uid) => uid.length === 0)) return refuse(AckStatus.PARAMETER_INVALID, 'a message UID is empty');
    // What the user no longer sees no longer counts as unread on any of their devices.
    const { missing } = await this.readState.changingUnread(appKey, userId, [keyed], () => this.store.deletions.hide(appKey, userId, keyed, [...uids]));
    if (missing.length > 0) return refuse(AckStatus.MESSAGE_UID_INVALID, `not messages of this conversation: ${missing.join(', ')}`);
    return { ok: true };
  }

  /**
   * Hides from `userId` each conversation's messages sent at or before its `through` (ms), all in one
   * go: 0 means everything, as the SDKs read it, and so does an instant still to come, which would
   * otherwise hide messages as they arrive.
   */
  async clearHistory(appKey: string, userId: string, clears: readonly (NamedConversation & { through: number })[]): Promise<DeletionResult> {
    if (clears.length === 0 || clears.length > MAX_CLEARED_CONVERSATIONS) {
      return refuse(AckStatus.PARAMETER_INVALID, `1-${MAX_CLEARED_CONVERSATIONS} conversations at a time`);
    }
    const now = this.now();
    const checked: HistoryClear[] = [];
    for (const clear of clears) {
      const keyed = keyedConversation(userId, clear);
      if ('ok' in keyed) return keyed;
      if (!Number.isSafeInteger(clear.through) || clear.through < 0) return refuse(AckStatus.PARAMETER_INVALID, 'the time to clear through must be an instant in ms');
      checked.push({ ...keyed, through: clear.through === CLEAR_EVERYTHING ? now : Math.min(clear.through, now) });
    }
    await this.readState.changingUnread(appKey, userId, checked, () => this.store.deletions.clear(appKey, userId, checked));
    return { ok: true };
  }
}

/** The caller's own conversation that a request names, with its key; a refusal for a type Parley keeps no history of, or a malformed id. */
function keyedConversation(userId: string, { conversationType, targetId }: NamedConversation): KeyedConversation | Refusal {
  if (!STORED_TYPES.has(conversationType)) return refuse(AckStatus.PARAMETER_INVALID, `no history is kept for conversation type ${conversationType}`);
  if (!isValidUserId(targetId)) return refuse(AckStatus.PARAMETER_INVALID, 'invalid target id');
  const type = conversationType as StoredConversationType;
  return { conversationType: type, targetId, conversationKey: conversationKey(type, userId, targetId) };
}

function refuse(status: number, reason: string): Refusal {
  return { ok: false, status, reason };
}
