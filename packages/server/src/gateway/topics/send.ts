import { AckStatus, ChangeMessageType, ConversationType, decodePayload, Topic, type UpStreamMessage } from '@parley/protocol';
import { Counter, type Registry } from 'prom-client';
import type { SessionEntry } from '../../bus/bus.js';
import type { MessageChanges } from '../../core/messaging/message-changes.js';
import type { MessageService, SendRequest } from '../../core/messaging/message-service.js';
import type { StoredConversationType } from '../../store/store.js';
import type { PublishHandler, TopicHandlers } from './topic-handler.js';

/**
 * Sending: `ppMsgP` (private) and `pgMsgP` (group) carry an UpStreamMessage; the PUBACK follows the
 * commit (core/messaging/message-service.ts), so an ack always means stored.
 */
export function sendTopics(
  messages: Pick<MessageService, 'send'>,
  metrics: Registry,
  changes: Pick<MessageChanges, 'sendExpansionUpdate' | 'sentExpansion'>,
): TopicHandlers {
  const stored = new Counter({
    name: 'parley_messages_total',
    help: 'Messages clients sent that were stored and acked (a retried send counts once)',
    labelNames: ['type'],
    registers: [metrics],
  });
  const send =
    (conversationType: StoredConversationType): PublishHandler =>
    async (frame, { session, now }) => {
      // A payload that does not decode is answered 26010 by the gateway.
      const up = decodePayload('UpStreamMessage', frame.payload);
      const expansion = changes.sentExpansion(up.sessionId, up.extraContent);
      if (!expansion.ok) return { status: expansion.status, messageUId: '', sentTime: now };
      const request: SendRequest = {
        ...sentBy(session, conversationType, frame.targetId, up),
        clientUniqueId: up.clientUniqueId,
        ...(expansion.expansion === undefined ? {} : { expansion: expansion.expansion }),
      };
      // An expansion update is also merged into the message it names.
      const result = await (up.classname === ChangeMessageType.EXPANSION_UPDATE ? changes.sendExpansionUpdate(request) : messages.send(request));
      if (!result.ok) return { status: result.status, messageUId: '', sentTime: now };
      if (!result.duplicate) stored.inc({ type: conversationType === ConversationType.PRIVATE ? 'private' : 'group' });
      return { status: AckStatus.SUCCESS, messageUId: result.message.uid, sentTime: result.message.sentTime };
    };
  return { publishes: { [Topic.ppMsgP]: send(ConversationType.PRIVATE), [Topic.pgMsgP]: send(ConversationType.GROUP) } };
}

/** What a client's UpStreamMessage asks to send, as the session's user, to the frame's target. */
export function sentBy(session: SessionEntry, conversationType: StoredConversationType, targetId: string, up: UpStreamMessage) {
  return {
    appKey: session.appKey,
    senderId: session.userId,
    conversationType,
    targetId,
    objectName: up.classname,
    content: up.content,
    flags: up.sessionId,
    toUserIds: up.toUserIds,
    senderSessionId: session.sessionId,
  };
}
