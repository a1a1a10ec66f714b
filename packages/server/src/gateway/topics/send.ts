import { AckStatus, ConversationType, decodePayload, PayloadDecodeError, Topic } from '@parley/protocol';
import { Counter, type Registry } from 'prom-client';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { StoredConversationType } from '../../store/store.js';
import type { PublishHandler, TopicHandlers } from './topic-handler.js';

/**
 * Sending: `ppMsgP` (private) and `pgMsgP` (group) carry an UpStreamMessage; the PUBACK follows the
 * commit (core/messaging/message-service.ts), so an ack always means stored.
 */
export function sendTopics(messages: Pick<MessageService, 'send'>, metrics: Registry): TopicHandlers {
  const stored = new Counter({
    name: 'parley_messages_total',
    help: 'Messages clients sent that were stored and acked (a retried send counts once)',
    labelNames: ['type'],
    registers: [metrics],
  });
  const send =
    (conversationType: StoredConversationType): PublishHandler =>
    async (frame, { session, now }) => {
      let up;
      try {
        up = decodePayload('UpStreamMessage', frame.payload);
      } catch (error) {
        if (error instanceof PayloadDecodeError) return { status: AckStatus.PARAMETER_INVALID, messageUId: '', sentTime: now };
        throw error;
      }
      const result = await messages.send({
        appKey: session.appKey,
        senderId: session.userId,
        conversationType,
        targetId: frame.targetId,
        objectName: up.classname,
        content: up.content,
        flags: up.sessionId,
        clientUniqueId: up.clientUniqueId,
        senderSessionId: session.sessionId,
      });
      if (!result.ok) return { status: result.status, messageUId: '', sentTime: now };
      if (!result.duplicate) stored.inc({ type: conversationType === ConversationType.PRIVATE ? 'private' : 'group' });
      return { status: AckStatus.SUCCESS, messageUId: result.message.uid, sentTime: result.message.sentTime };
    };
  return { publishes: { [Topic.ppMsgP]: send(ConversationType.PRIVATE), [Topic.pgMsgP]: send(ConversationType.GROUP) } };
}
