import { AckStatus, decodePayload, encodePayload, MODIFY_TYPE_EDIT, Topic } from '@parley/protocol';
import type { MessageChanges } from '../../core/messaging/message-changes.js';
import { toDownStream } from '../down-stream.js';
import type { TopicHandlers } from './topic-handler.js';

/**
 * Changing sent messages (core/messaging/message-changes.ts): recall (`recallMsg`, a PUBLISH whose
 * conversation is in its content: the native stack sends an empty target), edit (`modifyMsg`) and
 * the edit feed each user's devices pull after an `s_cmd` 12 (`pullModifyMsg`). Expansion updates
 * travel as messages (send.ts).
 */
export function messageChangeTopics(changes: Pick<MessageChanges, 'recall' | 'edit' | 'editsAfter'>): TopicHandlers {
  return {
    publishes: {
      [Topic.recallMsg]: async (frame, { session, now }) => {
        // A payload that does not decode is answered 26010 by the gateway.
        const up = decodePayload('UpStreamMessage', frame.payload);
        const result = await changes.recall({
          appKey: session.appKey,
          operatorId: session.userId,
          content: up.content,
          flags: up.sessionId,
          clientUniqueId: up.clientUniqueId,
          senderSessionId: session.sessionId,
        });
        if (!result.ok) return { status: result.status, messageUId: '', sentTime: now };
        // The Web SDK names the recall `Cmd:<uid>` itself; the native wrapper resolves with this UID.
        return { status: AckStatus.SUCCESS, messageUId: result.messageUId, sentTime: result.sentTime };
      },
    },
    queries: {
      [Topic.modifyMsg]: async (request, { session, sync }) => {
        const req = decodePayload('MsgChangeReq', request);
        const result = await changes.edit({
          appKey: session.appKey,
          editorId: session.userId,
          conversationType: req.type,
          targetId: req.targetId,
          uid: req.msgUID,
          content: req.content ?? '',
          editorSessionId: session.sessionId,
        });
        if (!result.ok) return { status: result.status };
        sync.holdsEdit(req.msgUID, result.modifyTime);
        return { status: AckStatus.SUCCESS, payload: encodePayload('ModifyMsgResp', { modifyTime: result.modifyTime }) };
      },
      [Topic.pullModifyMsg]: async (request, { session, flavor, sync }) => {
        const { pullVersion, modifyType } = decodePayload('PullModifyMsgReq', request);
        const from = pullVersion ?? 0;
        // Edits are the only kind Parley keeps; the native stack's other queries (reactions) get an empty feed.
        if (modifyType.length > 0 && !modifyType.includes(MODIFY_TYPE_EDIT)) {
          return { status: AckStatus.SUCCESS, payload: encodePayload('PullModifyMsgResp', { msg: [], nextVersion: from, finished: true }) };
        }
        const { edits, finished } = await changes.editsAfter(session.appKey, session.userId, from);
        const needed = edits.filter((e) => e.message.modifiedTime !== undefined && sync.needsEdit(e.message.uid, e.message.modifiedTime));
        for (const { message } of needed) sync.holdsEdit(message.uid, message.modifiedTime ?? 0);
        return {
          status: AckStatus.SUCCESS,
          payload: encodePayload('PullModifyMsgResp', {
            msg: needed.map((e) => ({ modifyType: MODIFY_TYPE_EDIT, msg: toDownStream(e.message, session.userId, flavor) })),
            // The SDKs refuse a version that goes back.
            nextVersion: Math.max(from, edits.at(-1)?.version ?? from),
            finished,
          }),
        };
      },
    },
  };
}
