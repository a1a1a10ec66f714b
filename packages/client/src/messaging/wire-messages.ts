import { ConversationType, MessageDirection, type DownStreamMessage } from '@parley/protocol';
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
  };
}

function parseContent(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
