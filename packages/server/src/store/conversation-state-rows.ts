import type { ConversationState, ConversationStateChange, StoredConversationType } from './store.js';

export interface StateRow {
  conversation_type: number;
  target_id: string;
  is_top: number | boolean;
  notification_level: number;
  version: number;
}

export function stateFromRow(row: StateRow): ConversationState {
  return {
    conversationType: row.conversation_type as StoredConversationType,
    targetId: row.target_id,
    isTop: Boolean(row.is_top),
    notificationLevel: row.notification_level,
    version: row.version,
  };
}

/** A conversation's state after a change: what the change leaves out keeps its current value (unpinned and notified by default). */
export function changedState(change: ConversationStateChange, current: ConversationState | undefined, version: number): ConversationState {
  return {
    conversationType: change.conversationType,
    targetId: change.targetId,
    isTop: change.isTop ?? current?.isTop ?? false,
    notificationLevel: change.notificationLevel ?? current?.notificationLevel ?? 0,
    version,
  };
}
