import { AckStatus, CLEAN_TOPIC_CONVERSATION_TYPE, ConversationType, decodePayload, Topic } from '@parley/protocol';
import type { DeletionResult, MessageDeletion } from '../../core/messaging/message-deletion.js';
import type { QueryAnswer, QueryHandler, TopicHandlers } from './topic-handler.js';

/** The clear topics of the conversation types Parley keeps history of; the others stay unknown (20606). */
const KEPT_TYPES: ReadonlySet<number> = new Set([ConversationType.PRIVATE, ConversationType.GROUP, ConversationType.SYSTEM]);

/**
 * Deleting messages (`delMsg`) and clearing history (`cleanPMsg`, `cleanGMsg`, `cleanSMsg`,
 * `cleanMsgBatch`) for the caller alone; answered with a status only. The conversation comes from
 * the payload: the frame's target is the caller on the Web SDK and empty on the native stack.
 */
export function deletionTopics(deletion: Pick<MessageDeletion, 'deleteMessages' | 'clearHistory'>): TopicHandlers {
  const queries: Record<string, QueryHandler> = {
    [Topic.delMsg]: async (request, { session }) => {
      const input = decodePayload('DeleteMsgInput', request);
      const conversation = { conversationType: input.type ?? 0, targetId: input.conversationId ?? '' };
      return answer(await deletion.deleteMessages(session.appKey, session.userId, conversation, input.msgs.map((m) => m.msgId ?? '')));
    },
    [Topic.cleanMsgBatch]: async (request, { session }) => {
      const { input } = decodePayload('CleanMsgBatchReq', request);
      const clears = input.map((c) => ({ conversationType: c.conversationType ?? 0, targetId: c.targetId, through: c.dataTime }));
      return answer(await deletion.clearHistory(session.appKey, session.userId, clears));
    },
  };
  for (const [topic, type] of Object.entries(CLEAN_TOPIC_CONVERSATION_TYPE)) {
    if (!KEPT_TYPES.has(type)) continue;
    queries[topic] = async (request, { session }) => {
      const input = decodePayload('CleanHisMsgInput', request);
      // An ultra group is cleared on the group topic, with its own type in the payload.
      const conversationType = input.conversationType ?? type;
      if (conversationType !== type) return { status: AckStatus.PARAMETER_INVALID };
      return answer(await deletion.clearHistory(session.appKey, session.userId, [{ conversationType, targetId: input.targetId, through: input.dataTime }]));
    };
  }
  return { queries };
}

function answer(result: DeletionResult): QueryAnswer {
  return { status: result.ok ? AckStatus.SUCCESS : result.status };
}
