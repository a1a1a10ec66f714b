import type { DownStreamMessage } from '@parley/protocol';
import type { StoredMessage } from '../store/store.js';
import type { Flavor } from './transport.js';

/** Up-stream flag bits (UpStreamMessage.sessionId) and where each sits in DownStreamMessage.status. */
const FLAG_TO_STATUS: readonly [number, number][] = [
  [1, 16], // persisted
  [2, 32], // counted
  [4, 64], // mentioned
  [32, 512], // no notification
  [64, 1024], // expandable
];

/**
 * A stored message as the official SDK expects to read it, seen by `viewer`. For a private message
 * the viewer sent, `fromUserId` is the peer: the SDK files messages under `fromUserId`.
 *
 * `direction` 1 marks the viewer's own messages. The Web SDK reads 2 as received, but the native
 * stack takes any non-zero direction for "sent by me" (and would show the receiver as the sender),
 * so a message the viewer received goes to it with no direction at all.
 */
export function toDownStream(message: StoredMessage, viewer: string, flavor: Flavor): DownStreamMessage {
  const sentByViewer = message.senderId === viewer;
  const isGroup = message.conversationType === 3;
  return {
    fromUserId: sentByViewer && !isGroup ? message.targetId : message.senderId,
    type: message.conversationType,
    groupId: isGroup ? message.targetId : undefined,
    classname: message.objectName,
    content: message.content,
    dataTime: message.sentTime,
    status: downStatus(message.flags),
    msgId: message.uid,
    direction: sentByViewer ? 1 : flavor === 'native' ? undefined : 2,
    // Lets the sender's own devices match a synced copy to a send still waiting for its ack.
    clientUniqueId: sentByViewer ? message.clientUniqueId : undefined,
    toUserIds: [],
  };
}

function downStatus(flags: number): number {
  let status = 0;
  for (const [flag, bit] of FLAG_TO_STATUS) if (flags & flag) status |= bit;
  return status;
}
