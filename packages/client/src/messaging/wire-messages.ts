import { ConversationType, EXT_STATUS_MODIFIED, expansionValuesOf, MessageDirection, parseExpansionMap, type DownStreamMessage } from '@parley/protocol';
import type { LocalMessage } from '../store/local-store.js';

/** A message from the server (pull or history), filed the way the server and the official SDK agree. */
export function fromDownStream(m: DownStreamMessage, me: string): LocalMessage {
  const sent = m.direction === MessageDirection.SEND;
  const isGroup = m.type === ConversationType.GROUP;
  return {
    messageUId: m.msgId ?? '',
    clientId: sent && m.clientUniqueId !== undefined ? String(m.clientUniqueId) : `uid:${m.msgId ?? ''}`,
    conversationType: m.type,
    // The server puts the peer in fromUserId for a private message the user sent.
    targetId: isGroup ? (m.groupId ?? '') : m.fromUserId,
    senderUserId: sent ? me : m.fromUserId,
    objectName: m.classname,
    content: parseContent(m.content),
    sentTime: m.dataTime,
    direction: sent ? MessageDirection.SEND : MessageDirection.RECEIVE,
    status: sent ? 'sent' : 'received',
    ...changedParts(m),
  };
}

/** How the server marks a message changed after sending: its edit time, its expansion. */
function changedParts(m: DownStreamMessage): Pick<LocalMessage, 'modifiedTime' | 'expansion'> {
  const modify = (m.extStatus ?? 0) & EXT_STATUS_MODIFIED ? (parseContent(m.convertExt ?? '') as { modify?: { time?: unknown } } | undefined)?.modify : undefined;
  return {
    ...(typeof modify?.time === 'number' ? { modifiedTime: modify.time } : {}),
    ...(m.extraContent ? { expansion: expansionValuesOf(parseExpansionMap(m.extraContent)) } : {}),
  };
}

function parseContent(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
