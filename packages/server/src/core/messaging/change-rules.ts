import { AckStatus, ChangeMessageType, mergeExpansion, MessageFlag, parseExpansionMap, STATE_ONLY_MESSAGE_TYPES } from '@parley/protocol';
import type { InboxPlace, MessageChange, StoredMessage } from '../../store/store.js';

/**
 * What a change does to a stored message, for every store backend: each reads the message inside
 * its transaction, with the inboxes that hold it, asks here, and writes the state that comes back.
 * Pure.
 */

/** The columns a change writes. */
export type ChangedState = Pick<StoredMessage, 'content' | 'recall' | 'modifiedTime' | 'expansion'>;

export type ChangeDecision =
  | { kind: 'apply'; state: ChangedState }
  /** Already done: a retried recall, an edit to the content the message has. Nothing is written. */
  | { kind: 'repeat' }
  | { kind: 'refused'; status: number; reason: string };

/**
 * `time`: when the change happens, ms (the carrying message's sent time, or the edit's).
 * `operatorHolds`: whether the user making the change holds the message in their inbox; an
 * expansion update needs it (a member who was not among a directed message's users, or who joined
 * after it, never saw the message and must not write to it).
 */
export function decideChange(current: StoredMessage, change: MessageChange, time: number, operatorHolds: boolean): ChangeDecision {
  const state: ChangedState = { content: current.content, recall: current.recall, modifiedTime: current.modifiedTime, expansion: current.expansion };
  switch (change.kind) {
    case 'recall':
      if (current.recall) return { kind: 'repeat' };
      if (carriesState(current)) return refuse(AckStatus.RECALL_FAILED, 'this message cannot be recalled');
      return { kind: 'apply', state: { ...state, recall: { ...change.recall, time } } };
    case 'edit':
      if (current.recall || carriesState(current) || (current.flags & MessageFlag.PERSISTED) === 0) {
        return refuse(AckStatus.MODIFY_UNSUPPORTED, 'this message cannot be edited');
      }
      if (current.modifiedTime !== undefined && current.content === change.content) return { kind: 'repeat' };
      // Edit times only move forward, so the SDKs' modifyInfo never goes back.
      return { kind: 'apply', state: { ...state, content: change.content, modifiedTime: Math.max(time, (current.modifiedTime ?? 0) + 1) } };
    case 'expand': {
      if (!operatorHolds) return refuse(AckStatus.EXPANSION_MESSAGE_MISSING, 'no such message among those the user received');
      if (current.recall) return refuse(AckStatus.EXPANSION_MESSAGE_MISSING, 'the message was recalled');
      if ((current.flags & MessageFlag.EXPANDABLE) === 0) return refuse(AckStatus.EXPANSION_NOT_ALLOWED, 'the message was not sent expandable');
      const merged = mergeExpansion(parseExpansionMap(current.expansion), change, time);
      if (!merged.ok) return refuse(merged.status, merged.reason);
      return { kind: 'apply', state: { ...state, expansion: JSON.stringify(merged.value) } };
    }
  }
}

/**
 * Who a message carrying a change goes to: the users whose inbox holds the changed message (for a
 * directed group message, its users and its sender), not the conversation's members now; the
 * operator's own devices get it through the sender's copy.
 */
export function changeRecipients(holders: readonly InboxPlace[], operatorId: string): string[] {
  return [...new Set(holders.map((h) => h.userId))].filter((userId) => userId !== operatorId);
}

/** Messages that only carry state or a change, and a recall's notification: none of them is changed. */
function carriesState(message: StoredMessage): boolean {
  return STATE_ONLY_MESSAGE_TYPES.has(message.objectName) || message.objectName === ChangeMessageType.RECALL_NOTIFICATION;
}

function refuse(status: number, reason: string): ChangeDecision {
  return { kind: 'refused', status, reason };
}
