export {
  AckStatus,
  ConnAckStatus,
  ConnectionErrorCode,
  ConversationType,
  DisconnectStatus,
  MAX_MESSAGE_CONTENT_BYTES,
  MessageDirection,
  connAckStatusToClientCode,
  disconnectStatusToClientCode,
} from './codes.js';
export { DownStreamStatus, MessageFlag, ORDINARY_MESSAGE_FLAGS, downStreamStatusOf } from './message-flags.js';
export { NAVIGATION_PATH, NavigationProtocol, WEBSOCKET_PATH } from './navigation.js';
export { joinToken, navigationHostsOf, splitToken, tokenForGateway, type TokenParts } from './token.js';
export { USER_ID_MAX_LENGTH, USER_ID_PATTERN, USER_ID_PATTERN_SOURCE, USER_ID_RULE, isValidUserId } from './user-id.js';
export {
  HISTORY_TOPIC_CONVERSATION_TYPE,
  NotifyType,
  SEND_TOPIC_CONVERSATION_TYPE,
  Topic,
  historyTopicFor,
  sendTopicFor,
} from './topics.js';
export { TOPIC_PAYLOADS, type TopicPayload } from './topic-payloads.js';

export type * from './proto/messages.js';
export {
  PAYLOAD_NAMES,
  PayloadDecodeError,
  PayloadEncodeError,
  decodePayload,
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
