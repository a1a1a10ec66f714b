import {
  ChangeMessageType,
  ConversationType,
  downStreamStatusOf,
  EXT_STATUS_MODIFIED,
  EXT_STATUS_STATUS_MESSAGE,
  MessageDirection,
  MessageFlag,
  modifyConvertExt,
  recallNotificationContent,
  encodePayload,
  type DownStreamMessage,
} from '@parley/protocol';
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
    toUserIds: message.toUserIds ?? [],
    ...changedParts(message, sentByViewer),
  };
}

/**
 * Encoded received messages, by stored message and flavor. What a recipient reads of a message is
 * the same for every recipient, so a group message is encoded once, not once for each member who
 * pulls it. A stored message is never changed in place (a change makes a new object), and the cache
 * lets go of it with the last inbox tail that holds it.
 */
const encodedReceived = new WeakMap<StoredMessage, Partial<Record<Flavor, Uint8Array>>>();

/** toDownStream, encoded; `optionBits` (the viewer's own) leave the cache aside. */
export function encodeDownStream(message: StoredMessage, viewer: string, flavor: Flavor, optionBits?: number): Uint8Array {
  if (message.senderId === viewer || optionBits !== undefined) {
    return encodePayload('DownStreamMessage', { ...toDownStream(message, viewer, flavor), ...(optionBits === undefined ? {} : { optionBits }) });
  }
  let byFlavor = encodedReceived.get(message);
  if (!byFlavor) encodedReceived.set(message, (byFlavor = {}));
  return (byFlavor[flavor] ??= encodePayload('DownStreamMessage', toDownStream(message, viewer, flavor)));
}

/**
 * How a changed message reads, the same in pulls, history, conversation lists and edit feeds: a
 * recalled one as the `RC:RcNtf` both SDKs make of a recall themselves (kept, never counted), with
 * its UID and sent time, and the recalled text only when the viewer sent it; an edited one with its new content, `extStatus` bit 4 and the edit time
 * in `convertExt`; an expandable one with its current expansion in `extraContent`.
 */
function changedParts(message: StoredMessage, sentByViewer: boolean): Partial<DownStreamMessage> {
  if (message.recall) {
    return {
      classname: ChangeMessageType.RECALL_NOTIFICATION,
      content: recallNotificationContent(message, message.recall, sentByViewer),
      status: downStreamStatusOf((message.flags | MessageFlag.PERSISTED) & ~(MessageFlag.COUNTED | MessageFlag.EXPANDABLE)),
    };
  }
  return {
    ...(message.modifiedTime === undefined ? {} : { extStatus: EXT_STATUS_MODIFIED, convertExt: modifyConvertExt(message.modifiedTime) }),
    ...((message.flags & MessageFlag.EXPANDABLE) === 0 || message.expansion === undefined ? {} : { extraContent: message.expansion }),
  };
}

/**
 * A live message (never stored: typing and other status messages) as a recipient gets it in an
 * `s_msg`: it has no UID, and it is always someone else's.
 */
export function liveDownStream(message: LiveMessage, flavor: Flavor): DownStreamMessage {
  // A group's or chatroom's message names it; a private one is filed under its sender.
  const named = message.conversationType === ConversationType.GROUP || message.conversationType === ConversationType.CHATROOM;
  return {
    fromUserId: message.senderId,
    type: message.conversationType,
    groupId: named ? message.targetId : undefined,
    classname: message.objectName,
    content: message.content,
    dataTime: message.sentTime,
    status: downStreamStatusOf(message.flags),
    direction: flavor === 'native' ? undefined : MessageDirection.RECEIVE,
    extStatus: EXT_STATUS_STATUS_MESSAGE,
    toUserIds: [],
  };
}
