import type { ConversationState, StoredConversationType } from './store.js';

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
