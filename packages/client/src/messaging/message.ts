import type { MessageDirection } from '@parley/protocol';
import type { LocalMessage } from '../store/local-store.js';

/** A message as the app sees it (docs/contract.md, "The client SDK"). */
export interface Message {
  messageUId: string;
  /** The SDK's idempotent id for a message this device sent. */
  clientId: string;
  sentTime: number;
  senderUserId: string;
  conversationType: number;
  targetId: string;
  objectName: string;
  content: unknown;
  /** 1 (SEND): sent by the current user, on any device; 2 (RECEIVE): received. */
  messageDirection: MessageDirection;
  status: LocalMessage['status'];
  /** When its sender last edited it, ms; absent when never edited. */
  modifiedTime?: number;
  /** Its expansion, for a message sent expandable. */
  expansion?: Record<string, string>;
}

export interface MessageContent {
  objectName: string;
  content: unknown;
}

export function toPublicMessage(m: LocalMessage): Message {
  return {
    messageUId: m.messageUId,
    clientId: m.clientId,
    sentTime: m.sentTime,
    senderUserId: m.senderUserId,
    conversationType: m.conversationType,
    targetId: m.targetId,
    objectName: m.objectName,
    content: m.content,
    messageDirection: m.direction,
    status: m.status,
    ...(m.modifiedTime === undefined ? {} : { modifiedTime: m.modifiedTime }),
    ...(m.expansion === undefined ? {} : { expansion: m.expansion }),
  };
}
