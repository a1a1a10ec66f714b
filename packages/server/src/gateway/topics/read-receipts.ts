import { AckStatus, decodePayload, encodePayload, Topic } from '@parley/protocol';
import type { GroupReceiptService } from '../../core/messaging/group-receipts.js';
import type { TopicHandlers } from './topic-handler.js';

/**
 * Group read receipts v2 (navigation `grpRRVer: 1`): `rrMsg` says which messages of the group (the
 * frame's target, on both the Web SDK and the native stack) the caller read; `rrList` asks who read
 * one, which only its sender may (core/messaging/group-receipts.ts).
 */
export function readReceiptTopics(receipts: Pick<GroupReceiptService, 'markRead' | 'readers'>): TopicHandlers {
  return {
    queries: {
      [Topic.rrMsg]: async (request, { session, targetId }) => {
        const { msgId } = decodePayload('GrpReadReceiptMsg', request);
        const result = await receipts.markRead(session.appKey, session.userId, targetId, msgId);
        return { status: result.ok ? AckStatus.SUCCESS : result.status };
      },
      [Topic.rrList]: async (request, { session, targetId }) => {
        const { msgId } = decodePayload('GrpReadReceiptMsg', request);
        const [uid] = msgId;
        if (uid === undefined || msgId.length > 1) return { status: AckStatus.PARAMETER_INVALID };
        const result = await receipts.readers(session.appKey, session.userId, targetId, uid);
        if (!result.ok) return { status: result.status };
        return { status: AckStatus.SUCCESS, payload: encodePayload('GrpReadReceiptQryResp', { totalMemberNum: result.reached, list: result.readers }) };
      },
    },
  };
}
