/**
 * The protobuf 2 messages Parley exchanges with RongCloud clients.
 *
 * Field names, numbers, types and `required` marks follow the schema embedded in
 * `@rongcloud/engine` 5.38.0 exactly: the SDK's decoder throws when a `required` field is absent,
 * and it finds fields by number, so any drift here breaks the official Web SDK. Message names are
 * the SDK's too, typos included (`HistoryMsgOuput`, `compressioEnabled`, `plantform`).
 * Only the messages Parley reads or writes are listed; see `topic-payloads.ts` for who uses which.
 */
export const PROTO_PACKAGE = 'parley.rmtp';

export const PROTO_SCHEMA = `
syntax = "proto2";
package ${PROTO_PACKAGE};

enum ChannelType {
  PERSON = 1;
  PERSONS = 2;
  GROUP = 3;
  TEMPGROUP = 4;
  CUSTOMERSERVICE = 5;
  NOTIFY = 6;
  MC = 7;
  MP = 8;
  ULTRAGROUP = 10;
}

enum SessionStateType {
  IsSilent = 1;
  IsTop = 2;
  Tags = 3;
  AutoTrans = 4;
}

message PushExtra {
  optional string title = 1;
  optional int32 templateIdNoUse = 2;
  optional string pushId = 3;
  optional string pushConfigs = 4;
  optional string templateId = 5;
}

message ExtMsgData {
  optional int64 seqId = 1;
  optional int64 sendTime = 2;
}

message ReferenceData {
  optional string msgId = 1;
  optional string fromUserId = 2;
  optional string classname = 3;
}

message UpStreamMessage {
  required int32 sessionId = 1;
  required string classname = 2;
  required string content = 3;
  optional string pushText = 4;
  optional string appData = 5;
  repeated string toUserIds = 6;
  optional int64 delMsgTime = 7;
  optional string delMsgId = 8;
  optional int32 configFlag = 9;
  optional int64 clientUniqueId = 10;
  optional string extraContent = 11;
  optional PushExtra pushExt = 12;
  optional string busChannel = 13;
  optional string systemId = 16;
  optional string senderPortrait = 21;
  optional int64 optionBits = 22;
  optional ExtMsgData extMsgData = 23;
  optional string metadata = 24;
  optional ReferenceData refData = 25;
}

message DownStreamMessage {
  required string fromUserId = 1;
  required ChannelType type = 2;
  optional string groupId = 3;
  required string classname = 4;
  required string content = 5;
  required int64 dataTime = 6;
  required int64 status = 7;
  optional int64 extra = 8;
  optional string msgId = 9;
  optional int32 direction = 10;
  optional int32 plantform = 11;
  optional int32 isRemoved = 12;
  optional string source = 13;
  optional int64 clientUniqueId = 14;
  optional string extraContent = 15;
  optional string pushContent = 16;
  optional int32 configFlag = 17;
  optional PushExtra pushExt = 18;
  optional string busChannel = 19;
  optional int64 extStatus = 20;
  repeated string toUserIds = 21;
  optional int32 groupUnpush = 22;
  optional int64 optionBits = 23;
  optional string convertExt = 24;
  optional ExtMsgData extMsgData = 25;
  optional string metadata = 26;
  optional ReferenceData refData = 27;
}

message DownStreamMessages {
  repeated DownStreamMessage list = 1;
  required int64 syncTime = 2;
  optional bool finished = 3;
  optional int64 broadcastSyncTime = 4;
  optional int64 systemTime = 5;
  optional int64 credibleStartTime = 6;
  optional int64 credibleEndTime = 7;
  optional bool compressioEnabled = 8;
  optional bytes compressedData = 9;
}

message SyncRequestMsg {
  required int64 syncTime = 1;
  required bool ispolling = 2;
  optional bool isweb = 3;
  optional bool isPullSend = 4;
  optional bool isKeeping = 5;
  optional int64 sendBoxSyncTime = 6;
  optional int64 broadcastSyncTime = 7;
  optional int64 endTime = 8;
  optional bool compressioEnabled = 9;
}

message NotifyMsg {
  required int32 type = 1;
  optional int64 time = 2;
  optional string chrmId = 3;
  optional int32 destroyType = 4;
}

message ChrmInput {
  required int32 nothing = 1;
  optional string extra = 2;
}

message ChrmOutput {
  required int32 nothing = 1;
  optional string sessionId = 2;
  optional int64 joinTime = 3;
  optional int64 createTime = 4;
  optional int32 memberCount = 5;
  optional int32 chatroomBanState = 6;
  optional int32 whiteListState = 7;
}

message ChrmPullMsg {
  required int64 syncTime = 1;
  required int32 count = 2;
  optional int32 pullMsgType = 3;
  optional bool compressioEnabled = 4;
}

message ChrmDownStreamMessages {
  repeated bytes list = 1;
  required int64 syncTime = 2;
  optional bool compressioEnabled = 3;
  optional bytes compressedData = 4;
}

message QueryChatRoomInfoInput {
  required int32 count = 1;
  optional int32 order = 2;
}

message ChrmMember {
  required int64 time = 1;
  required string id = 2;
}

message QueryChatRoomInfoOutput {
  optional int32 userTotalNums = 1;
  repeated ChrmMember userInfos = 2;
}

message ChrmKVEntity {
  required string key = 1;
  required string value = 2;
  optional int32 status = 3;
  optional int64 timestamp = 4;
  optional string uid = 5;
  optional int64 version = 6;
}

message SetChrmKV {
  required ChrmKVEntity entry = 1;
  optional bool bNotify = 2;
  optional UpStreamMessage notification = 3;
  optional ChannelType type = 4;
}

message SetChrmKVS {
  repeated ChrmKVEntity entry = 1;
  optional bool bNotify = 2;
  optional UpStreamMessage notification = 3;
  optional ChannelType type = 4;
}

message ChrmKVOutput {
  repeated ChrmKVEntity entries = 1;
  optional bool bFullUpdate = 2;
  optional int64 syncTime = 3;
  optional bool compressioEnabled = 4;
  optional bytes compressedData = 5;
}

message ChrmKVSOutputEntity {
  optional string key = 1;
  optional int32 errorCode = 2;
}

message ChrmKVSVersionEntity {
  optional int64 version = 1;
  optional string key = 2;
}

message ChrmKVSOutput {
  repeated ChrmKVSOutputEntity errorKeys = 1;
  repeated ChrmKVSVersionEntity keysVersion = 2;
}

message QueryChrmKV {
  required int64 timestamp = 1;
  optional bool compressioEnabled = 2;
}

message HistoryMsgInput {
  optional string targetId = 1;
  optional int64 time = 2;
  optional int32 count = 3;
  optional int32 order = 4;
  optional string busChannel = 5;
  optional bool compressioEnabled = 6;
  optional bool ignoreCmd = 10;
}

message HistoryMsgOuput {
  repeated DownStreamMessage list = 1;
  required int64 syncTime = 2;
  required int32 hasMsg = 3;
  optional int64 credibleStartTime = 4;
  optional int64 credibleEndTime = 5;
  optional bool compressioEnabled = 6;
  optional bytes compressedData = 7;
}

message RelationQryInput {
  optional ChannelType type = 1;
  optional int32 count = 2;
  optional int64 startTime = 3;
  optional int32 order = 4;
  optional bool isEraseMsgContent = 5;
  optional int64 endTime = 6;
  optional bool compressioEnabled = 7;
  optional int32 qryType = 8;
  repeated ChannelType channelType = 9;
  optional int32 botType = 10;
}

message UnreadMsgInfo {
  required string msgId = 1;
  required int64 msgTime = 2;
  optional int32 remindType = 3;
  optional string className = 4;
}

message RelationInfo {
  required ChannelType type = 1;
  required string userId = 2;
  optional DownStreamMessage msg = 3;
  optional int64 readMsgTime = 4;
  optional int64 unreadCount = 5;
  optional string busChannel = 6;
  optional int64 versionTime = 7;
  optional int64 remindCount = 8;
  optional int32 busChannelType = 9;
  optional UnreadMsgInfo msgInfo = 10;
  optional int32 remindMeCount = 11;
  optional bool isBot = 12;
}

message RelationsOutput {
  repeated RelationInfo info = 1;
  optional bool isFinished = 2;
  optional int64 pullTime = 3;
  optional bool compressioEnabled = 4;
  optional bytes compressedData = 5;
  optional string pageToken = 6;
}

message RelationOpInput {
  required string conversationId = 1;
  required ChannelType conversationType = 2;
  optional string busChannel = 3;
}

message RelationDelBatchReq {
  repeated RelationOpInput relation = 1;
  optional bool cleanMsg = 2;
}

message SessionQryInput {
  optional int64 version = 1;
  optional int32 count = 2;
  optional bool compress = 3;
  optional string pageToken = 4;
}

message UnreadInfo {
  optional int32 cnt = 1;
  optional int32 mentionCnt = 2;
  optional int32 mentionMeCnt = 3;
  optional int64 clearTime = 4;
  optional int64 cutOffTime = 5;
  optional UnreadMsgInfo firstUnreadMsg = 6;
}

message SessionOutput {
  optional string targetId = 1;
  optional string busChannel = 2;
  optional ChannelType type = 3;
  optional int64 version = 4;
  optional UnreadInfo unread = 5;
}

message SessionsOutput {
  repeated SessionOutput session = 1;
  optional string pageToken = 2;
  optional bool compress = 3;
  optional bytes compressedData = 4;
}

enum FileType {
  IMAGE = 1;
  AUDIO = 2;
  VIDEO = 3;
  FILE = 4;
  SIGHT = 5;
  COMBINE_HTML = 6;
}

message GetQNupTokenInput {
  required FileType type = 1;
  optional string key = 2;
  optional string httpMethod = 3;
  optional string queryString = 4;
  optional string url = 5;
  optional string ext = 6;
  optional int64 size = 7;
  optional int32 ipType = 8;
}

message GetQNupTokenOutput {
  required int64 deadline = 1;
  required string token = 2;
  optional string downloadAuthInfo = 24;
  optional string ossConfig = 25;
}

message GetDownloadUrlInput {
  required FileType type = 1;
  required string key = 2;
  optional string fileName = 3;
  optional string ext = 4;
  optional int64 size = 5;
  optional int32 ipType = 6;
}

message GetDownloadUrlOutput {
  required string downloadUrl = 1;
}

message BotInput {
  repeated string ids = 1;
}

message MetadataInfo {
  optional string key = 1;
  optional string value = 2;
}

message BotInfo {
  optional string id = 1;
  optional string name = 2;
  optional string portraitUrl = 3;
  optional string type = 4;
  repeated MetadataInfo metadata = 5;
  optional int64 createTime = 6;
  optional int64 updateTime = 7;
}

message BotOutput {
  repeated BotInfo bots = 1;
}

message QueryMsgChange {
  required int64 syncTime = 1;
  optional int32 needCompress = 2;
  optional int64 onlineTime = 3;
  optional string targetId = 4;
}

message EventChange {
  optional string businessId = 1;
  optional ChannelType channelType = 2;
  optional int64 time = 3;
  optional int32 changeType = 4;
  optional string originalId = 5;
  optional int64 originalTime = 6;
  optional string secondaryId = 7;
  optional bool isAdmin = 8;
  optional bool additionalMark = 9;
  optional string operatorId = 10;
  optional int32 subChangeType = 11;
  optional int32 secondaryType = 12;
  optional bool isRemindMe = 13;
  repeated string extIds = 14;
  optional int32 remindType = 15;
  optional bytes eventData = 16;
}

message EventChangeList {
  repeated EventChange list = 1;
  required int64 syncTime = 2;
  optional bool hasNext = 3;
  optional string targetId = 4;
  optional bool isCompress = 5;
}

message PullUserSettingInput {
  required int64 version = 1;
  optional bool reserve = 2;
  optional int32 ipType = 3;
}

message SessionTagItem {
  required string tagId = 1;
  optional string name = 2;
  optional int64 createdTime = 3;
  optional bool isTop = 4;
}

message UserSettingItem {
  required string targetId = 1;
  required ChannelType type = 2;
  required string key = 4;
  required bytes value = 5;
  required int64 version = 6;
  required int32 status = 7;
  repeated SessionTagItem tags = 8;
}

message PullUserSettingOutput {
  repeated UserSettingItem items = 1;
  required int64 version = 2;
}

message SessionReq {
  required int64 time = 1;
}

message SessionStateItem {
  required SessionStateType sessionStateType = 1;
  required string value = 2;
  repeated SessionTagItem tags = 3;
  optional int64 time = 4;
}

message SessionState {
  required ChannelType type = 1;
  required string channelId = 2;
  optional int64 time = 3;
  repeated SessionStateItem stateItem = 4;
  optional string busChannel = 5;
}

message SessionStates {
  required int64 version = 1;
  repeated SessionState state = 2;
}

message SessionStateModifyReq {
  required int64 version = 1;
  repeated SessionState state = 2;
  optional bool ignoreVersion = 3;
}

message SessionStateModifyResp {
  required int64 version = 1;
  optional bool updateVersion = 2;
}

message PullModifyMsgReq {
  optional int64 pullVersion = 1;
  optional bool compress = 2;
  repeated int32 modifyType = 3;
}

message ModifyMsg {
  optional int32 modifyType = 1;
  optional DownStreamMessage msg = 2;
}

message PullModifyMsgResp {
  repeated ModifyMsg msg = 1;
  optional int64 nextVersion = 2;
  optional bool finished = 3;
  optional bool compress = 4;
  optional bytes compressedData = 5;
}

message ReportSDKInput {
  required string sdkInfo = 1;
}

message DeleteMsg {
  optional string msgId = 1;
  optional int64 msgDataTime = 2;
  optional int32 direct = 3;
}

message DeleteMsgInput {
  optional ChannelType type = 1;
  optional string conversationId = 2;
  repeated DeleteMsg msgs = 3;
  optional string busChannel = 4;
}

message CleanHisMsgInput {
  required string targetId = 1;
  required int64 dataTime = 2;
  optional int32 conversationType = 3;
  optional string busChannel = 4;
}

message CleanMsgBatchReq {
  repeated CleanHisMsgInput input = 1;
}

// The SDK's schema marks fromUserId and msgTime required, but the native stack leaves both out:
// optional here, so the server reads what either sends.
message MsgChangeReq {
  optional string fromUserId = 1;
  required string targetId = 2;
  required ChannelType type = 3;
  required string msgUID = 4;
  optional int64 msgTime = 5;
  optional string busChannel = 6;
  optional string content = 7;
}

message ModifyMsgResp {
  optional int64 modifyTime = 1;
  optional DownStreamMessage msg = 2;
}

message GrpReadReceiptMsg {
  repeated string msgId = 1;
  optional string channelId = 2;
}

message GrpMsgReadUser {
  required int64 readTime = 1;
  required string userId = 2;
}

message GrpReadReceiptQryResp {
  required int32 totalMemberNum = 1;
  repeated GrpMsgReadUser list = 2;
}

message SessionMsgReadInput {
  required ChannelType type = 1;
  required int64 msgTime = 2;
  required string channelId = 3;
  optional string busChannel = 4;
}

message UserSubDetail {
  optional string subUserId = 1;
}

message UpdateUserSubReq {
  optional int32 subType = 1;
  repeated UserSubDetail subUsers = 2;
  optional int32 opType = 3;
  optional int32 expiry = 4;
}

message UpdateUserSubResp {
  repeated UserSubDetail subUsers = 1;
  optional int64 subTime = 2;
}

message PullUserSubReq {
  optional int64 version = 1;
  optional string pageToken = 2;
}

message UserSubList {
  repeated UserSubDetail subUsers = 1;
  optional int32 subType = 2;
  optional int64 subTime = 3;
  optional int32 expiry = 4;
  optional int32 opType = 5;
}

message PUllUserSubResp {
  repeated UserSubList list = 1;
  optional int64 version = 2;
  optional bool hasNext = 3;
  optional string pageToken = 4;
  optional bool isFull = 5;
}

message PullSubDataReq {
  optional int64 versionTime = 1;
  optional bool needAllData = 2;
  optional string pageToken = 3;
}

message SubData {
  optional int32 platformInfo = 1;
  optional int32 value = 2;
  optional int64 versionTime = 3;
}

message SubDataDetail {
  optional string statusStr = 1;
  optional string subUserId = 2;
  repeated SubData data = 3;
  optional int32 subType = 4;
}

message PullSubDataResp {
  repeated SubDataDetail list = 1;
  optional int64 versionTime = 2;
  optional bool hasNext = 3;
  optional string pageToken = 4;
  optional bool isFull = 5;
}

message QrySubDataReq {
  optional int32 subType = 1;
  repeated UserSubDetail subUsers = 2;
}
`;
