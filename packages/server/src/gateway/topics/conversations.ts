import { AckStatus, decodePayload, encodePayload, Topic } from '@parley/protocol';
import type { MessageService } from '../../core/messaging/message-service.js';
import { PAGE_CONTENT_BUDGET_BYTES, pageBytesOf, prefixWithin } from '../../core/messaging/page-budget.js';
import { toDownStream } from '../down-stream.js';
import { clamp, type TopicHandlers } from './topic-handler.js';

const CONVERSATIONS_DEFAULT_COUNT = 300;
const CONVERSATIONS_MAX_COUNT = 1000;

/** The conversation list (`qryRelationR`): the caller's conversations, most recent first, each with its last message. */
export function conversationTopics(messages: Pick<MessageService, 'conversations'>): TopicHandlers {
  return {
    queries: {
      [Topic.qryRelationR]: async (request, { session, flavor }) => {
        const query = decodePayload('RelationQryInput', request);
        const count = clamp(query.count || CONVERSATIONS_DEFAULT_COUNT, 1, CONVERSATIONS_MAX_COUNT);
        const list = await messages.conversations(session.appKey, session.userId, query.startTime ?? 0, count + 1);
        const page = prefixWithin(list.slice(0, count), (c) => pageBytesOf(c.lastMessage), PAGE_CONTENT_BUDGET_BYTES);
        return {
          status: AckStatus.SUCCESS,
          payload: encodePayload('RelationsOutput', {
            info: page.map((c) => ({
              type: c.conversationType,
              userId: c.targetId,
              msg: toDownStream(c.lastMessage, session.userId, flavor),
              versionTime: c.versionTime,
            })),
            isFinished: list.length <= page.length,
          }),
        };
      },
    },
  };
}
