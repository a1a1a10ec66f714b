import { ConversationType, downStreamStatusOf, MessageDirection, type DownStreamMessage } from '@parley/protocol';
import type { LiveMessage } from '../bus/bus.js';
import type { StoredMessage } from '../store/store.js';
import type { Flavor } from './transport.js';

/**
 * A stored message as the official SDK expects to read it, seen by `viewer`. For a private message
 * the viewer sent, `fromUserId` is the peer: the SDK files messages under `fromUserId`.
 *
 * `direction` SEND marks the viewer's own messages. The Web SDK reads RECEIVE as received, but the
 * native stack takes any non-zero direction for "sent by me" (and would show the receiver as the
 * sender), so a message the viewer received goes to it with no direction at all.
 */
export function toDownStream(message: StoredMessage, viewer: string, flavor: Flavor): DownStreamMessage {
  const sentByViewer = message.senderId === viewer;
  const isGroup = message.conversationType === ConversationType.GROUP;
  return {
    fromUserId: sentByViewer && !isGroup ? message.targetId : message.senderId,
    type: message.conversationType,
    groupId: isGroup ? message.targetId : undefined,
    classname: message.objectName,
    content: message.content,
    dataTime: message.sentTime,
    status: downStreamStatusOf(message.flags),
    msgId: message.uid,
    direction: sentByViewer ? MessageDirection.SEND : flavor === 'native' ? undefined : MessageDirection.RECEIVE,
    // Lets the sender's own devices match a synced copy to a send still waiting for its ack.
    clientUniqueId: sentByViewer ? message.clientUniqueId : undefined,
    toUserIds: [],
  };
}

/**
 * A live message (never stored: typing and other status messages) as a recipient gets it in an
 * `s_msg`: it has no UID, and it is always someone else's.
 */
export function liveDownStream(message: LiveMessage, flavor: Flavor): DownStreamMessage {
  const isGroup = message.conversationType === ConversationType.GROUP;
  return {
    fromUserId: message.senderId,
    type: message.conversationType,
    groupId: isGroup ? message.targetId : undefined,
    classname: message.objectName,
    content: message.content,
    dataTime: message.sentTime,
    status: downStreamStatusOf(message.flags),
    direction: flavor === 'native' ? undefined : MessageDirection.RECEIVE,
    toUserIds: [],
  };
}
