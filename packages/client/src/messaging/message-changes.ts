import { ChangeMessageType, MessageDirection, parseExpansionUpdate, parseRecallCommand, recallNotificationContent, type Recall } from '@parley/protocol';
import type { LocalMessage, LocalMessageUpdate } from '../store/local-store.js';

/** A change to a stored message, made on this device or heard of from the server. */
export type MessageChange =
  | { kind: 'recall'; messageUId: string; recall: Recall }
  | { kind: 'edit'; messageUId: string; content: unknown; modifiedTime: number }
  | { kind: 'expand'; messageUId: string; put?: Record<string, string>; del?: string[] };

/** Messages that only carry a change: they change what they name and are not kept themselves. */
export function isChangeCommand(m: Pick<LocalMessage, 'objectName'>): boolean {
  return m.objectName === ChangeMessageType.RECALL_COMMAND || m.objectName === ChangeMessageType.EXPANSION_UPDATE;
}

/** The change a pulled message carries: a recall (`RC:RcCmd`) or an expansion update (`RC:MsgExMsg`). */
export function changeCarriedBy(m: LocalMessage): MessageChange | undefined {
  if (m.objectName === ChangeMessageType.RECALL_COMMAND) {
    const command = parseRecallCommand(JSON.stringify(m.content));
    if (!command) return undefined;
    return {
      kind: 'recall',
      messageUId: command.messageUId,
      recall: { operatorId: m.senderUserId, time: m.sentTime, isDelete: command.isDelete, admin: command.isAdmin, ...(command.extra === undefined ? {} : { extra: command.extra }) },
    };
  }
  if (m.objectName === ChangeMessageType.EXPANSION_UPDATE) {
    const update = parseExpansionUpdate(JSON.stringify(m.content));
    if (!update.ok) return undefined;
    return { kind: 'expand', messageUId: update.value.mid, ...(update.value.put ? { put: update.value.put } : {}), ...(update.value.del ? { del: update.value.del } : {}) };
  }
  return undefined;
}

/**
 * What a change rewrites of a stored message, as the server serves a changed message: a recalled one
 * becomes `RC:RcNtf` (keeping its text only on its sender's devices), an edited one gets its new content and edit time, an expanded one its merged
 * map. Undefined when it changes nothing (it was applied before), so each change is told once.
 */
export function localUpdateOf(target: LocalMessage, change: MessageChange): LocalMessageUpdate | undefined {
  switch (change.kind) {
    case 'recall': {
      if (target.objectName === ChangeMessageType.RECALL_NOTIFICATION) return undefined;
      const original = { objectName: target.objectName, content: JSON.stringify(target.content), sentTime: target.sentTime };
      const content = recallNotificationContent(original, change.recall, target.direction === MessageDirection.SEND);
      return { objectName: ChangeMessageType.RECALL_NOTIFICATION, content: JSON.parse(content) as unknown };
    }
    case 'edit':
      if (target.modifiedTime !== undefined && target.modifiedTime >= change.modifiedTime) return undefined;
      return { content: change.content, modifiedTime: change.modifiedTime };
    case 'expand': {
      const expansion = { ...target.expansion, ...change.put };
      for (const key of change.del ?? []) delete expansion[key];
      if (JSON.stringify(expansion) === JSON.stringify(target.expansion ?? {})) return undefined;
      return { expansion };
    }
  }
}
