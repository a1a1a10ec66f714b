import { ConversationType } from './codes.js';

/**
 * Topic names of PUBLISH and QUERY frames, spelled as on the wire. Keys equal values so code and
 * protocol notes use the same words. See `topic-payloads.ts` for the payload each one carries.
 */
export const Topic = {
  // C→S PUBLISH: send a message (answered by PUBACK), by conversation type.
  ppMsgP: 'ppMsgP',
  pgMsgP: 'pgMsgP',
  pcMsgP: 'pcMsgP',
  pbMsgP: 'pbMsgP',
  chatMsg: 'chatMsg',
  ugMsg: 'ugMsg',
  recallMsg: 'recallMsg',
  // C→S PUBLISH: status messages (typing and the like), not stored, not parked on DUP copies.
  ppMsgS: 'ppMsgS',
  pgMsgS: 'pgMsgS',
  chatMsgS: 'chatMsgS',
  prMsgS: 'prMsgS',

  // S→C PUBLISH: server pushes.
  s_ntf: 's_ntf',
  s_cmd: 's_cmd',
  s_msg: 's_msg',

  // C→S QUERY: message sync and history.
  pullMsg: 'pullMsg',
  qryPMsg: 'qryPMsg',
  qryGMsg: 'qryGMsg',
  qrySMsg: 'qrySMsg',
  qryCMsg: 'qryCMsg',
  qryCHMsg: 'qryCHMsg',
  qryMCMsg: 'qryMCMsg',
  qryMPMsg: 'qryMPMsg',
  qryUgMsg: 'qryUgMsg',

  // C→S QUERY: conversation list and server-side unread counts.
  qryRelationR: 'qryRelationR',
  /** Defined by the SDK but never sent by 5.38; the list uses qryRelationR. */
  qryRelation: 'qryRelation',
  qryRLBatch: 'qryRLBatch',
  pullSe: 'pullSe',

  // C→S: read status and receipts.
  updRTime: 'updRTime',
  rrMsg: 'rrMsg',
  rrList: 'rrList',
  sendMsgRead: 'sendMsgRead',
  qryMsgRead: 'qryMsgRead',
  qryMsgReadCntBatch: 'qryMsgReadCntBatch',
  readReceipt: 'readReceipt',
  qryReceipt: 'qryReceipt',
  qryReceiptBatch: 'qryReceiptBatch',

  // C→S: real-time conversation APIs (navi sessionMode).
  qrySessions: 'qrySessions',
  updRRTime: 'updRRTime',
  qrySessionsAtt: 'qrySessionsAtt',
  qrySessionsUnread: 'qrySessionsUnread',
  delSessions: 'delSessions',

  // C→S QUERY: editing a sent message.
  modifyMsg: 'modifyMsg',

  // C→S QUERY: deleting messages and conversations.
  delMsg: 'delMsg',
  cleanMsgBatch: 'cleanMsgBatch',
  cleanPMsg: 'cleanPMsg',
  cleanGMsg: 'cleanGMsg',
  cleanCMsg: 'cleanCMsg',
  cleanSMsg: 'cleanSMsg',
  cleanMCMsg: 'cleanMCMsg',
  cleanMPMsg: 'cleanMPMsg',
  delRelationBatch: 'delRelationBatch',

  // C→S QUERY: chatrooms (joinChrmR joins only an existing room; the SDK also rejoins with it).
  joinChrm: 'joinChrm',
  joinChrmR: 'joinChrmR',
  exitChrm: 'exitChrm',
  chrmPull: 'chrmPull',
  queryChrmI: 'queryChrmI',
  setKV: 'setKV',
  delKV: 'delKV',
  setKVS: 'setKVS',
  delKVS: 'delKVS',
  pullKV: 'pullKV',

  // C→S QUERY: file uploads: an upload token, then the uploaded file's download URL (media.ts).
  qnTkn: 'qnTkn',
  qnUrl: 'qnUrl',

  // C→S QUERY: the other connect-time syncs.
  qAppBot: 'qAppBot',
  pullSeAtts: 'pullSeAtts',
  /** Sets conversation states (pin, notification level); synced to other devices by pullSeAtts. */
  setSeAtt: 'setSeAtt',
  pullEventChange: 'pullEventChange',
  pullUS: 'pullUS',
  pullModifyMsg: 'pullModifyMsg',
  reportsdk: 'reportsdk',

  // C→S QUERY: subscriptions to other users' online status (online-status.ts); S→C PUBLISH: a change.
  updUserSub: 'updUserSub',
  pullUserSub: 'pullUserSub',
  pullSubData: 'pullSubData',
  qrySubData: 'qrySubData',
  s_stat: 's_stat',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

/** The topic the SDK sends an ordinary message of each conversation type on. */
export const SEND_TOPIC_CONVERSATION_TYPE: Readonly<Record<string, ConversationType>> = {
  [Topic.ppMsgP]: ConversationType.PRIVATE,
  [Topic.pgMsgP]: ConversationType.GROUP,
  [Topic.chatMsg]: ConversationType.CHATROOM,
  [Topic.pcMsgP]: ConversationType.CUSTOMER_SERVICE,
  [Topic.pbMsgP]: ConversationType.SYSTEM,
  [Topic.ugMsg]: ConversationType.ULTRA_GROUP,
};

/** The topic the SDK sends a status message (typing and the like) of each conversation type on. */
export const STATUS_TOPIC_CONVERSATION_TYPE: Readonly<Record<string, ConversationType>> = {
  [Topic.ppMsgS]: ConversationType.PRIVATE,
  [Topic.pgMsgS]: ConversationType.GROUP,
};

/** The history query topic the SDK uses for each conversation type. */
export const HISTORY_TOPIC_CONVERSATION_TYPE: Readonly<Record<string, ConversationType>> = {
  [Topic.qryPMsg]: ConversationType.PRIVATE,
  [Topic.qryGMsg]: ConversationType.GROUP,
  [Topic.qryCHMsg]: ConversationType.CHATROOM,
  [Topic.qryCMsg]: ConversationType.CUSTOMER_SERVICE,
  [Topic.qrySMsg]: ConversationType.SYSTEM,
  [Topic.qryMCMsg]: ConversationType.APP_PUBLIC_SERVICE,
  [Topic.qryMPMsg]: ConversationType.PUBLIC_SERVICE,
  [Topic.qryUgMsg]: ConversationType.ULTRA_GROUP,
};

/**
 * The topic that clears each conversation type's remote history (the engine's `Cp` table). An ultra
 * group is cleared on the group's topic and tells itself apart by `CleanHisMsgInput.conversationType`.
 */
export const CLEAN_TOPIC_CONVERSATION_TYPE: Readonly<Record<string, ConversationType>> = {
  [Topic.cleanPMsg]: ConversationType.PRIVATE,
  [Topic.cleanGMsg]: ConversationType.GROUP,
  [Topic.cleanCMsg]: ConversationType.CUSTOMER_SERVICE,
  [Topic.cleanSMsg]: ConversationType.SYSTEM,
  [Topic.cleanMCMsg]: ConversationType.APP_PUBLIC_SERVICE,
  [Topic.cleanMPMsg]: ConversationType.PUBLIC_SERVICE,
};

const topicsByType = (table: Readonly<Record<string, ConversationType>>): ReadonlyMap<number, string> =>
  new Map(Object.entries(table).map(([topic, type]) => [type, topic]));
const sendTopics = topicsByType(SEND_TOPIC_CONVERSATION_TYPE);
const statusTopics = topicsByType(STATUS_TOPIC_CONVERSATION_TYPE);
const historyTopics = topicsByType(HISTORY_TOPIC_CONVERSATION_TYPE);
const cleanTopics = topicsByType(CLEAN_TOPIC_CONVERSATION_TYPE);

/** The topic a message of this conversation type is sent on; undefined for a type the SDK cannot send. */
export function sendTopicFor(type: number): string | undefined {
  return sendTopics.get(type);
}

/** The topic a status message of this conversation type is sent on; undefined for a type without one. */
export function statusTopicFor(type: number): string | undefined {
  return statusTopics.get(type);
}

/** The topic that asks for a page of this conversation type's history; undefined for a type without one. */
export function historyTopicFor(type: number): string | undefined {
  return historyTopics.get(type);
}

/** The topic that clears this conversation type's remote history; undefined for a type without one. */
export function cleanTopicFor(type: number): string | undefined {
  return type === ConversationType.ULTRA_GROUP ? Topic.cleanGMsg : cleanTopics.get(type);
}

/** `NotifyMsg.type` values and what the SDK does on receiving them. */
export const NotifyType = {
  /** s_ntf: new messages; the SDK queries pullMsg. */
  PULL_MESSAGES: 1,
  /** s_ntf: chatroom messages (`chrmId`, `time`); the SDK queries chrmPull. */
  CHATROOM: 2,
  /** s_cmd: a chatroom's key-values changed (`chrmId`, `time`); the SDK queries pullKV. */
  CHATROOM_KV: 2,
  /** s_cmd: a chatroom was destroyed (`chrmId`, `destroyType`). */
  CHATROOM_DESTROYED: 4,
  /** s_cmd: the SDK queries pullSeAtts. */
  CONVERSATION_STATES: 3,
  /** s_cmd: the SDK queries pullEventChange. */
  EVENT_CHANGE: 11,
  /** s_cmd: the SDK queries pullModifyMsg. */
  MODIFIED_MESSAGES: 12,
  /** s_cmd: the SDK queries pullSe (server-side unread counts). */
  SERVER_UNREAD: 13,
  /** s_cmd: the user's subscriptions changed on another device; the SDK queries pullUserSub. */
  SUBSCRIPTIONS: 9,
} as const;
export type NotifyType = (typeof NotifyType)[keyof typeof NotifyType];
