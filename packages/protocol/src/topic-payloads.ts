import type { PayloadName } from './proto/messages.js';
import { Topic } from './topics.js';

/**
 * Which protobuf message each topic carries, as the Web SDK 5.38 encodes and decodes them.
 * `request` is the payload of the client's PUBLISH/QUERY (or of the server's PUBLISH for pushes);
 * `response` is the QUERYACK payload the SDK decodes. A topic without `response` is answered by a
 * PUBACK, or by a QUERYACK whose status is all the SDK reads.
 */
export interface TopicPayload {
  request: PayloadName;
  response?: PayloadName;
}

const sendMessage: TopicPayload = { request: 'UpStreamMessage' };
const history: TopicPayload = { request: 'HistoryMsgInput', response: 'HistoryMsgOuput' };
const cleanHistory: TopicPayload = { request: 'CleanHisMsgInput' };
const notify: TopicPayload = { request: 'NotifyMsg' };

export const TOPIC_PAYLOADS: Readonly<Partial<Record<Topic, TopicPayload>>> = {
  [Topic.ppMsgP]: sendMessage,
  [Topic.pgMsgP]: sendMessage,
  [Topic.pcMsgP]: sendMessage,
  [Topic.pbMsgP]: sendMessage,
  [Topic.chatMsg]: sendMessage,
  [Topic.ugMsg]: sendMessage,
  [Topic.recallMsg]: sendMessage,
  [Topic.ppMsgS]: sendMessage,
  [Topic.pgMsgS]: sendMessage,
  [Topic.chatMsgS]: sendMessage,
  [Topic.prMsgS]: sendMessage,

  [Topic.s_ntf]: notify,
  [Topic.s_cmd]: notify,
  [Topic.s_msg]: { request: 'DownStreamMessage' },

  [Topic.pullMsg]: { request: 'SyncRequestMsg', response: 'DownStreamMessages' },
  [Topic.qryPMsg]: history,
  [Topic.qryGMsg]: history,
  [Topic.qrySMsg]: history,
  [Topic.qryCMsg]: history,
  [Topic.qryCHMsg]: history,
  [Topic.qryMCMsg]: history,
  [Topic.qryMPMsg]: history,
  [Topic.qryUgMsg]: history,

  [Topic.qryRelationR]: { request: 'RelationQryInput', response: 'RelationsOutput' },
  [Topic.qryRLBatch]: { request: 'RelationDelBatchReq', response: 'RelationsOutput' },
  [Topic.delRelationBatch]: { request: 'RelationDelBatchReq' },
  [Topic.pullSe]: { request: 'SessionQryInput', response: 'SessionsOutput' },

  [Topic.modifyMsg]: { request: 'MsgChangeReq', response: 'ModifyMsgResp' },
  [Topic.updRTime]: { request: 'SessionMsgReadInput' },
  [Topic.rrMsg]: { request: 'GrpReadReceiptMsg' },
  [Topic.rrList]: { request: 'GrpReadReceiptMsg', response: 'GrpReadReceiptQryResp' },

  [Topic.delMsg]: { request: 'DeleteMsgInput' },
  [Topic.cleanMsgBatch]: { request: 'CleanMsgBatchReq' },
  [Topic.cleanPMsg]: cleanHistory,
  [Topic.cleanGMsg]: cleanHistory,
  [Topic.cleanCMsg]: cleanHistory,
  [Topic.cleanSMsg]: cleanHistory,
  [Topic.cleanMCMsg]: cleanHistory,
  [Topic.cleanMPMsg]: cleanHistory,

  [Topic.qnTkn]: { request: 'GetQNupTokenInput', response: 'GetQNupTokenOutput' },
  [Topic.qnUrl]: { request: 'GetDownloadUrlInput', response: 'GetDownloadUrlOutput' },
  [Topic.qAppBot]: { request: 'BotInput', response: 'BotOutput' },
  [Topic.pullSeAtts]: { request: 'SessionReq', response: 'SessionStates' },
  [Topic.setSeAtt]: { request: 'SessionStateModifyReq', response: 'SessionStateModifyResp' },
  [Topic.pullEventChange]: { request: 'QueryMsgChange', response: 'EventChangeList' },
  [Topic.pullUS]: { request: 'PullUserSettingInput', response: 'PullUserSettingOutput' },
  [Topic.pullModifyMsg]: { request: 'PullModifyMsgReq', response: 'PullModifyMsgResp' },
  [Topic.reportsdk]: { request: 'ReportSDKInput' },

  [Topic.updUserSub]: { request: 'UpdateUserSubReq', response: 'UpdateUserSubResp' },
  [Topic.pullUserSub]: { request: 'PullUserSubReq', response: 'PUllUserSubResp' },
  [Topic.pullSubData]: { request: 'PullSubDataReq', response: 'PullSubDataResp' },
  [Topic.qrySubData]: { request: 'QrySubDataReq', response: 'PullSubDataResp' },
  [Topic.s_stat]: { request: 'SubDataDetail' },
};
