import type { DownStreamMessage } from '@parley/protocol';
import type { LocalMessage } from '../store/local-store.js';

/** A message from the server (pull or history), filed the way the server and the official SDK agree. */
export function fromDownStream(m: DownStreamMessage, me: string): LocalMessage {
  const direction = m.direction === 1 ? 1 : 2;
  const isGroup = m.type === 3;
  return {
    messageUId: m.msgId ?? '',
    clientId: direction === 1 && m.clientUniqueId !== undefined ? String(m.clientUniqueId) : `uid:${m.msgId ?? ''}`,
    conversationType: m.type,
    // The server puts the peer in fromUserId for a private message the user sent.
    targetId: isGroup ? (m.groupId ?? '') : m.fromUserId,
    senderUserId: direction === 1 ? me : m.fromUserId,
    objectName: m.classname,
    content: parseContent(m.content),
    sentTime: m.dataTime,
    direction,
    status: direction === 1 ? 'sent' : 'received',
  };
}

function parseContent(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
