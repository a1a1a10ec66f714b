import { AckStatus, decodePayload, encodePayload, Topic, type RelationOpInput } from '@parley/protocol';
import type { ConversationStateService } from '../../core/messaging/conversation-states.js';
import { sessionStateOf } from '../../core/messaging/conversation-states.js';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { NamedConversation } from '../../core/messaging/message-deletion.js';
import { toDownStream } from '../down-stream.js';
import type { TopicHandlers } from './topic-handler.js';

/**
 * Conversation states kept on the server: `setSeAtt` sets pins and notification levels, `pullSeAtts`
 * syncs what changed after the device's version (everything at connect on a new device, version 0;
 * what an `s_cmd` 3 announced otherwise). `delRelationBatch` removes conversations from the caller's
 * list, `qryRLBatch` reads named ones (the Web SDK's `getConversation`).
 */
export function conversationStateTopics(states: Pick<ConversationStateService, 'set' | 'changedAfter' | 'remove' | 'listed'>, messages: Pick<MessageService, 'withinSendRate'>): TopicHandlers {
  return {
    queries: {
      [Topic.pullSeAtts]: async (request, { session }) => {
        const { time } = decodePayload('SessionReq', request);
        const changed = await states.changedAfter(session.appKey, session.userId, time);
        return {
          status: AckStatus.SUCCESS,
          payload: encodePayload('SessionStates', { version: changed.at(-1)?.version ?? time, state: changed.map(sessionStateOf) }),
        };
      },
      [Topic.setSeAtt]: async (request, { session }) => {
        const { version, state } = decodePayload('SessionStateModifyReq', request);
        // A write as often as a send, from the same budget.
        if (!(await messages.withinSendRate(session.appKey, session.userId))) return { status: AckStatus.SEND_FREQUENCY_TOO_FAST };
        const result = await states.set(session.appKey, session.userId, state, version, session.sessionId);
        if (!result.ok) return { status: result.status };
        return { status: AckStatus.SUCCESS, payload: encodePayload('SessionStateModifyResp', { version: result.version, updateVersion: result.updateVersion }) };
      },
      [Topic.delRelationBatch]: async (request, { session }) => {
        const { relation, cleanMsg } = decodePayload('RelationDelBatchReq', request);
        if (!(await messages.withinSendRate(session.appKey, session.userId))) return { status: AckStatus.SEND_FREQUENCY_TOO_FAST };
        const result = await states.remove(session.appKey, session.userId, relation.map(namedOf), cleanMsg === true);
        return { status: result.ok ? AckStatus.SUCCESS : result.status };
      },
      [Topic.qryRLBatch]: async (request, { session, flavor }) => {
        const { relation } = decodePayload('RelationDelBatchReq', request);
        const listed = await states.listed(session.appKey, session.userId, relation.map(namedOf));
        if ('ok' in listed) return { status: listed.status };
        return {
          status: AckStatus.SUCCESS,
          payload: encodePayload('RelationsOutput', {
            info: listed.map((c) => ({ type: c.conversationType, userId: c.targetId, msg: toDownStream(c.lastMessage, session.userId, flavor), versionTime: c.versionTime })),
            isFinished: true,
          }),
        };
      },
    },
  };
}

function namedOf(relation: RelationOpInput): NamedConversation {
  return { conversationType: relation.conversationType, targetId: relation.conversationId };
}
