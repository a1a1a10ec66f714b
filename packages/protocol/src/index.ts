export {
  AckStatus,
  ConnAckStatus,
  ConnectionErrorCode,
  ConversationStateType,
  ConversationType,
  DisconnectStatus,
  MAX_DIRECTED_USER_IDS,
  MAX_MESSAGE_CONTENT_BYTES,
  MessageDirection,
  NotificationLevel,
  connAckStatusToClientCode,
  disconnectStatusToClientCode,
  isNotificationLevel,
} from './codes.js';
export { DownStreamStatus, EXT_STATUS_STATUS_MESSAGE, MessageFlag, ORDINARY_MESSAGE_FLAGS, downStreamStatusOf } from './message-flags.js';
export { NAVIGATION_PATH, NavigationProtocol, WEBSOCKET_PATH } from './navigation.js';
export { joinToken, navigationHostsOf, splitToken, tokenForGateway, type TokenParts } from './token.js';
export { USER_ID_MAX_LENGTH, USER_ID_PATTERN, USER_ID_PATTERN_SOURCE, USER_ID_RULE, isValidUserId } from './user-id.js';
export {
  CLEAN_TOPIC_CONVERSATION_TYPE,
  HISTORY_TOPIC_CONVERSATION_TYPE,
  NotifyType,
  SEND_TOPIC_CONVERSATION_TYPE,
  STATUS_TOPIC_CONVERSATION_TYPE,
  Topic,
  cleanTopicFor,
  historyTopicFor,
  sendTopicFor,
  statusTopicFor,
} from './topics.js';
export { TOPIC_PAYLOADS, type TopicPayload } from './topic-payloads.js';
export {
  OnlinePlatform,
  OnlineValue,
  STATUS_SUBSCRIPTION_LIMITS,
  SUB_DRIVEN_ONLINE_STATUS,
  SubscribeOperation,
  SubscribeType,
} from './online-status.js';
export { CLEAR_EVERYTHING, MAX_CLEARED_CONVERSATIONS, MAX_DELETED_MESSAGES } from './message-deletion.js';

export type * from './proto/messages.js';
export {
  PAYLOAD_NAMES,
  PayloadDecodeError,
  PayloadEncodeError,
  decodePayload,
  encodeDownStreamPage,
  encodePayload,
  isPayloadName,
} from './proto/payload.js';
export { PROTO_SCHEMA } from './proto/schema.js';

export { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame } from './rmtp/codec.js';
export { FrameDecodeError, FrameEncodeError, type FrameDecodeErrorReason } from './rmtp/errors.js';
export * from './rmtp/frames.js';
export { MessageIdSequence, nextMessageId } from './rmtp/message-id.js';
export { splitTimestamp } from './rmtp/time.js';

export type { NativeConnectFrame } from './native/connect-frame.js';
export { DEFAULT_MAX_NATIVE_FRAME_BYTES, NativeDeframer, type NativeDeframerOptions } from './native/framing.js';
export {
  decodeNativeClientFrame,
  decodeNativeServerFrame,
  encodeNativeClientFrame,
  encodeNativeServerFrame,
  type NativeClientFrame,
  type NativeServerFrame,
} from './native/native-codec.js';
export {
  ChangeMessageType,
  EXPANSION_TS_EPOCH,
  EXT_STATUS_MODIFIED,
  ExpansionLimit,
  MODIFY_TYPE_EDIT,
  checkExpansionKeys,
  checkExpansionValues,
  expansionValuesOf,
  mergeExpansion,
  modifyConvertExt,
  parseExpansionMap,
  parseExpansionUpdate,
  parseRecallCommand,
  parseSentExpansion,
  recallNotificationContent,
  STATE_ONLY_MESSAGE_TYPES,
  type ExpansionMap,
  type ExpansionUpdate,
  type Recall,
  type RecallCommand,
} from './message-changes.js';
export { parseJsonObject } from './json-object.js';
export {
  RECALL_LOWERS_UNREAD,
  ReadStateMessageType,
  mentionTargetsOf,
  parseGroupReadCount,
  parseReadReceipt,
  parseReadStatusSync,
  parseTypingStatus,
  type GroupReadCount,
  type ReadReceipt,
  type TypingStatus,
} from './read-state.js';
export {
  MEDIA_DOWNLOAD_PATH,
  MEDIA_KEY_MAX_LENGTH,
  MEDIA_UPLOAD_PATH,
  MediaFileType,
  UploadField,
  isMediaFileType,
  isValidMediaKey,
} from './media.js';
