import { AckStatus, ConversationType, decodePayload, encodePayload, HISTORY_TOPIC_CONVERSATION_TYPE } from '@parley/protocol';
import type { MessageService } from '../../core/messaging/message-service.js';
import { PAGE_CONTENT_BUDGET_BYTES, pageBytesOf, prefixWithin } from '../../core/messaging/page-budget.js';
import { toDownStream } from '../down-stream.js';
import { clamp, type QueryHandler, type TopicHandlers } from './topic-handler.js';

const HISTORY_DEFAULT_COUNT = 20;
const HISTORY_MAX_COUNT = 100;

/**
 * Remote history (`qryPMsg`, `qryGMsg`, `qrySMsg`): a page of one conversation, older or newer than
 * a time. Whose history the caller may read is decided in core (history-access.ts); a refusal is
 * answered with its status (22406 for a group the caller is not in).
 */
export function historyTopics(messages: Pick<MessageService, 'history'>): TopicHandlers {
  const queries: Record<string, QueryHandler> = {};
  for (const [topic, type] of Object.entries(HISTORY_TOPIC_CONVERSATION_TYPE)) {
    // Chatrooms, customer service and the like are not Parley features: their topics stay unknown (20606).
    if (type !== ConversationType.PRIVATE && type !== ConversationType.GROUP && type !== ConversationType.SYSTEM) continue;
    queries[topic] = async (request, { session, now, flavor }) => {
      const query = decodePayload('HistoryMsgInput', request);
      const older = (query.order ?? 0) === 0;
      const count = clamp(query.count || HISTORY_DEFAULT_COUNT, 1, HISTORY_MAX_COUNT);
      const time = query.time || (older ? now + 60_000 : 0);
      const result = await messages.history(session.appKey, session.userId, type, query.targetId ?? '', time, older, count + 1);
      if (!result.ok) return { status: result.status };
      const found = result.messages;
      const page = prefixWithin(found.slice(0, count), pageBytesOf, PAGE_CONTENT_BUDGET_BYTES);
      return {
        status: AckStatus.SUCCESS,
        payload: encodePayload('HistoryMsgOuput', {
          list: page.map((m) => toDownStream(m, session.userId, flavor)),
          syncTime: page.at(-1)?.sentTime ?? time,
          hasMsg: found.length > page.length ? 1 : 0,
        }),
      };
    };
  }
  return { queries };
}
