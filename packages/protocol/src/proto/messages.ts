/**
 * TypeScript shapes of the messages in `schema.ts`, as `decodePayload` returns them:
 * int64 fields are JS numbers (exact up to 2^53, which covers every millisecond timestamp),
 * bytes are Uint8Array, enums are their numbers, repeated fields are always arrays and absent
 * optional fields are left out. `encodePayload` takes the same shapes with repeated fields optional.
 */

/** Wire values of the schema's `ChannelType` enum; see `ConversationType` in codes.ts for names. */
export type ChannelType = number;

export interface PushExtra {
  title?: string;
  templateIdNoUse?: number;
  pushId?: string;
  pushConfigs?: string;
  templateId?: string;
}

export interface ExtMsgData {
  seqId?: number;
  sendTime?: number;
}

export interface ReferenceData {
  msgId?: string;
  fromUserId?: string;
  classname?: string;
}

export interface UpStreamMessage {
  /** Bits of MessageFlag (message-flags.ts), whatever the field's name says. */
  sessionId: number;
  classname: string;
  /** The message content as a JSON string. */
  content: string;
  pushText?: string;
  appData?: string;
  toUserIds: string[];
  delMsgTime?: number;
  delMsgId?: string;
  configFlag?: number;
  /**
   * The sender's id for the send (an int64 on the wire), as decimal digits: the native stack's are
   * about 61 bits, past what a JS number holds exactly, and two sends a few units apart must stay apart.
   */
  clientUniqueId?: string;
  extraContent?: string;
  pushExt?: PushExtra;
  busChannel?: string;
  systemId?: string;
  senderPortrait?: string;
  optionBits?: number;
  extMsgData?: ExtMsgData;
  metadata?: string;
  refData?: ReferenceData;
}

export interface DownStreamMessage {
  /** The sender; for a private message the user sent themselves (direction 1), the peer. */
  fromUserId: string;
  type: ChannelType;
  groupId?: string;
  classname: string;
  content: string;
  /** Sent time, ms. */
  dataTime: number;
  /** Bits of DownStreamStatus (message-flags.ts); 2 marks a retrieved message. */
  status: number;
  extra?: number;
  /** The message UID. */
  msgId?: string;
  /** MessageDirection (codes.ts). */
  direction?: number;
  plantform?: number;
  isRemoved?: number;
  source?: string;
  /**
   * The sender's id for the send (an int64 on the wire), as decimal digits: the native stack's are
   * about 61 bits, past what a JS number holds exactly, and two sends a few units apart must stay apart.
   */
  clientUniqueId?: string;
  extraContent?: string;
  pushContent?: string;
  configFlag?: number;
  pushExt?: PushExtra;
  busChannel?: string;
  extStatus?: number;
  toUserIds: string[];
  groupUnpush?: number;
  optionBits?: number;
  convertExt?: string;
  extMsgData?: ExtMsgData;
  metadata?: string;
  refData?: ReferenceData;
}

export interface DownStreamMessages {
  list: DownStreamMessage[];
  /** The inbox cursor after this page, ms; never below the request's syncTime. */
  syncTime: number;
  /** Must be true on the last page, or the SDK pulls again at once. */
  finished?: boolean;
  broadcastSyncTime?: number;
  systemTime?: number;
  credibleStartTime?: number;
  credibleEndTime?: number;
  compressioEnabled?: boolean;
  compressedData?: Uint8Array;
}

export interface SyncRequestMsg {
  syncTime: number;
  ispolling: boolean;
  isweb?: boolean;
  isPullSend?: boolean;
  isKeeping?: boolean;
  sendBoxSyncTime?: number;
  broadcastSyncTime?: number;
  endTime?: number;
  compressioEnabled?: boolean;
}

export interface NotifyMsg {
  type: number;
  time?: number;
  chrmId?: string;
  destroyType?: number;
}

export interface HistoryMsgInput {
  targetId?: string;
  time?: number;
  count?: number;
  /** 0: older than `time`, newest first; 1: newer than `time`, oldest first. */
  order?: number;
  busChannel?: string;
  compressioEnabled?: boolean;
  ignoreCmd?: boolean;
}

export interface HistoryMsgOuput {
  list: DownStreamMessage[];
  syncTime: number;
  /** Non-zero when more messages exist beyond this page. */
  hasMsg: number;
  credibleStartTime?: number;
  credibleEndTime?: number;
  compressioEnabled?: boolean;
  compressedData?: Uint8Array;
}

export interface RelationQryInput {
  type?: ChannelType;
  count?: number;
  startTime?: number;
  order?: number;
  isEraseMsgContent?: boolean;
  endTime?: number;
  compressioEnabled?: boolean;
  qryType?: number;
  channelType: ChannelType[];
  botType?: number;
}

export interface UnreadMsgInfo {
  msgId: string;
  msgTime: number;
  remindType?: number;
  className?: string;
}

export interface RelationInfo {
  type: ChannelType;
  /** The conversation's target id. */
  userId: string;
  msg?: DownStreamMessage;
  readMsgTime?: number;
  unreadCount?: number;
  busChannel?: string;
  versionTime?: number;
  remindCount?: number;
  busChannelType?: number;
  msgInfo?: UnreadMsgInfo;
  remindMeCount?: number;
  isBot?: boolean;
}

export interface RelationsOutput {
  info: RelationInfo[];
  isFinished?: boolean;
  pullTime?: number;
  compressioEnabled?: boolean;
  compressedData?: Uint8Array;
  pageToken?: string;
}

export interface RelationOpInput {
  conversationId: string;
  conversationType: ChannelType;
  busChannel?: string;
}

export interface RelationDelBatchReq {
  relation: RelationOpInput[];
  cleanMsg?: boolean;
}

export interface SessionQryInput {
  version?: number;
  count?: number;
  compress?: boolean;
  pageToken?: string;
}

export interface UnreadInfo {
  cnt?: number;
  mentionCnt?: number;
  mentionMeCnt?: number;
  clearTime?: number;
  cutOffTime?: number;
  firstUnreadMsg?: UnreadMsgInfo;
}

export interface SessionOutput {
  targetId?: string;
  busChannel?: string;
  type?: ChannelType;
  version?: number;
  unread?: UnreadInfo;
}

export interface SessionsOutput {
  session: SessionOutput[];
  pageToken?: string;
  compress?: boolean;
  compressedData?: Uint8Array;
}

/** qnTkn: an upload token for a file the client is about to upload (`size` in KiB, rounded up). */
export interface GetQNupTokenInput {
  type: number;
  key?: string;
  httpMethod?: string;
  queryString?: string;
  url?: string;
  ext?: string;
  size?: number;
  ipType?: number;
}

/** Only the fields of the Qiniu-style upload; the SDK's other storage services' fields are left out. */
export interface GetQNupTokenOutput {
  /** When the token stops being accepted, ms since the epoch. */
  deadline: number;
  token: string;
  downloadAuthInfo?: string;
  ossConfig?: string;
}

/** qnUrl (and its siblings for other storage services): where an uploaded file is downloaded. */
export interface GetDownloadUrlInput {
  type: number;
  key: string;
  fileName?: string;
  ext?: string;
  size?: number;
  ipType?: number;
}

export interface GetDownloadUrlOutput {
  downloadUrl: string;
}

export interface BotInput {
  ids: string[];
}

export interface MetadataInfo {
  key?: string;
  value?: string;
}

export interface BotInfo {
  id?: string;
  name?: string;
  portraitUrl?: string;
  type?: string;
  metadata: MetadataInfo[];
  createTime?: number;
  updateTime?: number;
}

export interface BotOutput {
  bots: BotInfo[];
}

export interface QueryMsgChange {
  syncTime: number;
  needCompress?: number;
  onlineTime?: number;
  targetId?: string;
}

export interface EventChange {
  businessId?: string;
  channelType?: ChannelType;
  time?: number;
  changeType?: number;
  originalId?: string;
  originalTime?: number;
  secondaryId?: string;
  isAdmin?: boolean;
  additionalMark?: boolean;
  operatorId?: string;
  subChangeType?: number;
  secondaryType?: number;
  isRemindMe?: boolean;
  extIds: string[];
  remindType?: number;
  eventData?: Uint8Array;
}

export interface EventChangeList {
  list: EventChange[];
  syncTime: number;
  hasNext?: boolean;
  targetId?: string;
  isCompress?: boolean;
}

export interface PullUserSettingInput {
  version: number;
  reserve?: boolean;
  ipType?: number;
}

export interface SessionTagItem {
  tagId: string;
  name?: string;
  createdTime?: number;
  isTop?: boolean;
}

export interface UserSettingItem {
  targetId: string;
  type: ChannelType;
  key: string;
  value: Uint8Array;
  version: number;
  status: number;
  tags: SessionTagItem[];
}

export interface PullUserSettingOutput {
  items: UserSettingItem[];
  version: number;
}

export interface SessionReq {
  time: number;
}

export interface SessionStateItem {
  /** 1 silent, 2 top, 3 tags, 4 auto-translate. */
  sessionStateType: number;
  value: string;
  tags: SessionTagItem[];
  time?: number;
}

export interface SessionState {
  type: ChannelType;
  channelId: string;
  time?: number;
  stateItem: SessionStateItem[];
  busChannel?: string;
}

export interface SessionStates {
  version: number;
  state: SessionState[];
}

export interface SessionStateModifyReq {
  /** The client's conversation-state version when it asks. */
  version: number;
  state: SessionState[];
  ignoreVersion?: boolean;
}

export interface SessionStateModifyResp {
  version: number;
  /** Whether the client may take `version` as its own: it had every earlier change. */
  updateVersion?: boolean;
}

export interface PullModifyMsgReq {
  pullVersion?: number;
  compress?: boolean;
  modifyType: number[];
}

export interface ModifyMsg {
  modifyType?: number;
  msg?: DownStreamMessage;
}

export interface PullModifyMsgResp {
  msg: ModifyMsg[];
  nextVersion?: number;
  finished?: boolean;
  compress?: boolean;
  compressedData?: Uint8Array;
}

export interface ReportSDKInput {
  /** A JSON string describing the client SDK. */
  sdkInfo: string;
}

export interface DeleteMsg {
  msgId?: string;
  msgDataTime?: number;
  direct?: number;
}

export interface DeleteMsgInput {
  type?: ChannelType;
  conversationId?: string;
  msgs: DeleteMsg[];
  busChannel?: string;
}

export interface CleanHisMsgInput {
  targetId: string;
  dataTime: number;
  conversationType?: number;
  busChannel?: string;
}

export interface CleanMsgBatchReq {
  input: CleanHisMsgInput[];
}

/** An edit: the new content of message `msgUID` in the conversation (`type`, `targetId`). */
export interface MsgChangeReq {
  fromUserId?: string;
  targetId: string;
  type: number;
  msgUID: string;
  msgTime?: number;
  busChannel?: string;
  content?: string;
}

export interface ModifyMsgResp {
  /** When the edit took effect, ms. */
  modifyTime?: number;
  msg?: DownStreamMessage;
}

/** Group read receipts v2: the messages read (`rrMsg`), or the one whose readers are asked for (`rrList`). */
export interface GrpReadReceiptMsg {
  msgId: string[];
  channelId?: string;
}

export interface GrpMsgReadUser {
  readTime: number;
  userId: string;
}

export interface GrpReadReceiptQryResp {
  totalMemberNum: number;
  list: GrpMsgReadUser[];
}

/** `updRTime`: the user read a conversation up to `msgTime`; `channelId` holds the target (sic). */
export interface SessionMsgReadInput {
  type: number;
  msgTime: number;
  channelId: string;
  busChannel?: string;
}

/** One user named in a subscription payload (online-status.ts). */
export interface UserSubDetail {
  subUserId?: string;
}

/** `updUserSub`: subscribe to (opType 0) or unsubscribe from (1) these users' status of `subType`. */
export interface UpdateUserSubReq {
  subType?: number;
  subUsers: UserSubDetail[];
  opType?: number;
  /** Seconds. */
  expiry?: number;
}

/** `subUsers`: with status 26021, the users who have too many subscribers. */
export interface UpdateUserSubResp {
  subUsers: UserSubDetail[];
  subTime?: number;
}

/** `pullUserSub`: the caller's subscriptions (the SDK's relation version and page). */
export interface PullUserSubReq {
  version?: number;
  pageToken?: string;
}

/** Subscriptions made together: one type, time and expiry. */
export interface UserSubList {
  subUsers: UserSubDetail[];
  subType?: number;
  subTime?: number;
  expiry?: number;
  opType?: number;
}

export interface PUllUserSubResp {
  list: UserSubList[];
  version?: number;
  hasNext?: boolean;
  pageToken?: string;
  isFull?: boolean;
}

/** `pullSubData`: the status of every user the caller subscribes to. */
export interface PullSubDataReq {
  versionTime?: number;
  needAllData?: boolean;
  pageToken?: string;
}

/** One platform's status: `value` is OnlineValue, `versionTime` when it took it (ms). */
export interface SubData {
  platformInfo?: number;
  value?: number;
  versionTime?: number;
}

/** A user's status (also the `s_stat` push). */
export interface SubDataDetail {
  statusStr?: string;
  subUserId?: string;
  data: SubData[];
  subType?: number;
}

export interface PullSubDataResp {
  list: SubDataDetail[];
  versionTime?: number;
  hasNext?: boolean;
  pageToken?: string;
  isFull?: boolean;
}

/** `qrySubData`: the current status of these users. */
export interface QrySubDataReq {
  subType?: number;
  subUsers: UserSubDetail[];
}

/** `joinChrm`/`joinChrmR`/`exitChrm`: `nothing` is always 1. */
export interface ChrmInput {
  nothing: number;
  extra?: string;
}

/** The answer to a join: `chatroomBanState` bits 1 all muted, 2 the user muted, 4 the room muted. */
export interface ChrmOutput {
  nothing: number;
  sessionId?: string;
  joinTime?: number;
  createTime?: number;
  memberCount?: number;
  chatroomBanState?: number;
  whiteListState?: number;
}

/** `chrmPull`: messages after `syncTime` (0: the newest `count`, -1 none). */
export interface ChrmPullMsg {
  syncTime: number;
  count: number;
  pullMsgType?: number;
  compressioEnabled?: boolean;
}

/** The answer to `chrmPull`: each item an encoded DownStreamMessage. */
export interface ChrmDownStreamMessages {
  list: Uint8Array[];
  syncTime: number;
  compressioEnabled?: boolean;
  compressedData?: Uint8Array;
}

/** `queryChrmI`: `count` members (0..20), `order` 1 oldest joins first, 2 newest first. */
export interface QueryChatRoomInfoInput {
  count: number;
  order?: number;
}

export interface ChrmMember {
  time: number;
  id: string;
}

export interface QueryChatRoomInfoOutput {
  userTotalNums?: number;
  userInfos: ChrmMember[];
}

/** A chatroom key-value; `status` bits: 1 remove on quit, 2 overwrite (force), 4 deleted. */
export interface ChrmKVEntity {
  key: string;
  value: string;
  status?: number;
  timestamp?: number;
  uid?: string;
  version?: number;
}

/** `setKV`/`delKV`: one entry, and the notification message to send to the room when `bNotify`. */
export interface SetChrmKV {
  entry: ChrmKVEntity;
  bNotify?: boolean;
  notification?: UpStreamMessage;
  type?: number;
}

/** `setKVS`/`delKVS`: several entries. */
export interface SetChrmKVS {
  entry: ChrmKVEntity[];
  bNotify?: boolean;
  notification?: UpStreamMessage;
  type?: number;
}

/** The answer to `pullKV`: changes after the asked version, or every entry when `bFullUpdate`. */
export interface ChrmKVOutput {
  entries: ChrmKVEntity[];
  bFullUpdate?: boolean;
  syncTime?: number;
  compressioEnabled?: boolean;
  compressedData?: Uint8Array;
}

export interface ChrmKVSOutputEntity {
  key?: string;
  errorCode?: number;
}

export interface ChrmKVSVersionEntity {
  version?: number;
  key?: string;
}

export interface ChrmKVSOutput {
  errorKeys: ChrmKVSOutputEntity[];
  keysVersion: ChrmKVSVersionEntity[];
}

/** `pullKV`: changes after `timestamp` (0: everything). */
export interface QueryChrmKV {
  timestamp: number;
  compressioEnabled?: boolean;
}

/** The top-level messages a frame payload can hold, by schema name. */
export interface PayloadTypes {
  UpStreamMessage: UpStreamMessage;
  DownStreamMessage: DownStreamMessage;
  DownStreamMessages: DownStreamMessages;
  SyncRequestMsg: SyncRequestMsg;
  NotifyMsg: NotifyMsg;
  HistoryMsgInput: HistoryMsgInput;
  HistoryMsgOuput: HistoryMsgOuput;
  RelationQryInput: RelationQryInput;
  RelationsOutput: RelationsOutput;
  RelationDelBatchReq: RelationDelBatchReq;
  SessionQryInput: SessionQryInput;
  SessionsOutput: SessionsOutput;
  GetQNupTokenInput: GetQNupTokenInput;
  GetQNupTokenOutput: GetQNupTokenOutput;
  GetDownloadUrlInput: GetDownloadUrlInput;
  GetDownloadUrlOutput: GetDownloadUrlOutput;
  BotInput: BotInput;
  BotOutput: BotOutput;
  QueryMsgChange: QueryMsgChange;
  EventChangeList: EventChangeList;
  PullUserSettingInput: PullUserSettingInput;
  PullUserSettingOutput: PullUserSettingOutput;
  SessionReq: SessionReq;
  SessionStates: SessionStates;
  SessionStateModifyReq: SessionStateModifyReq;
  SessionStateModifyResp: SessionStateModifyResp;
  PullModifyMsgReq: PullModifyMsgReq;
  PullModifyMsgResp: PullModifyMsgResp;
  ReportSDKInput: ReportSDKInput;
  DeleteMsgInput: DeleteMsgInput;
  CleanHisMsgInput: CleanHisMsgInput;
  CleanMsgBatchReq: CleanMsgBatchReq;
  MsgChangeReq: MsgChangeReq;
  ModifyMsgResp: ModifyMsgResp;
  GrpReadReceiptMsg: GrpReadReceiptMsg;
  GrpReadReceiptQryResp: GrpReadReceiptQryResp;
  SessionMsgReadInput: SessionMsgReadInput;
  UpdateUserSubReq: UpdateUserSubReq;
  UpdateUserSubResp: UpdateUserSubResp;
  PullUserSubReq: PullUserSubReq;
  PUllUserSubResp: PUllUserSubResp;
  PullSubDataReq: PullSubDataReq;
  PullSubDataResp: PullSubDataResp;
  SubDataDetail: SubDataDetail;
  QrySubDataReq: QrySubDataReq;
  ChrmInput: ChrmInput;
  ChrmOutput: ChrmOutput;
  ChrmPullMsg: ChrmPullMsg;
  ChrmDownStreamMessages: ChrmDownStreamMessages;
  QueryChatRoomInfoInput: QueryChatRoomInfoInput;
  QueryChatRoomInfoOutput: QueryChatRoomInfoOutput;
  SetChrmKV: SetChrmKV;
  SetChrmKVS: SetChrmKVS;
  ChrmKVOutput: ChrmKVOutput;
  ChrmKVSOutput: ChrmKVSOutput;
  QueryChrmKV: QueryChrmKV;
}

export type PayloadName = keyof PayloadTypes;

type ArrayKeys<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never;
}[keyof T];

/**
 * What `encodePayload` accepts for a message shape: the same fields, with repeated fields
 * optional (absent means empty) and readonly arrays allowed, all the way down.
 */
export type PayloadInput<T> = T extends Uint8Array
  ? Uint8Array
  : T extends readonly (infer E)[]
    ? readonly PayloadInput<E>[]
    : T extends object
      ? { [K in keyof T as K extends ArrayKeys<T> ? never : K]: PayloadInput<T[K]> } & {
          [K in keyof T as K extends ArrayKeys<T> ? K : never]?: PayloadInput<T[K]>;
        }
      : T;
