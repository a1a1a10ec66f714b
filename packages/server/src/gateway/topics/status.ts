import { AckStatus, decodePayload, STATUS_TOPIC_CONVERSATION_TYPE } from '@parley/protocol';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { StoredConversationType } from '../../store/store.js';
import { sentBy } from './send.js';
import type { PublishHandler, TopicHandlers } from './topic-handler.js';

/**
 * Status messages (typing and the like): `ppMsgS` to a peer, `pgMsgS` to a group. They go live to
 * the recipients' online devices and are never stored; the Web SDK sends them with qos 1 and waits
 * for nothing, the native stack with qos 0 (answered with nothing, see the gateway).
 */
export function statusTopics(messages: Pick<MessageService, 'sendStatus'>): TopicHandlers {
  const send =
    (conversationType: StoredConversationType): PublishHandler =>
    async (frame, { session, now }) => {
      // A payload that does not decode is answered 26010 by the gateway.
      const up = decodePayload('UpStreamMessage', frame.payload);
      const result = await messages.sendStatus(sentBy(session, conversationType, frame.targetId, up));
      return { status: result.ok ? AckStatus.SUCCESS : result.status, messageUId: '', sentTime: now };
    };
  return { publishes: Object.fromEntries(Object.entries(STATUS_TOPIC_CONVERSATION_TYPE).map(([topic, type]) => [topic, send(type as StoredConversationType)])) };
}
