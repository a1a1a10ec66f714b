/**
 * Status values carried by CONNACK, DISCONNECT, PUBACK and QUERYACK, and the client error codes
 * the RongCloud SDK turns them into. Values are those of `@rongcloud/engine` 5.38.0.
 */

/** CONNACK status (u8). 0 accepts the connection; anything else refuses it and the socket closes. */
export const ConnAckStatus = {
  ACCEPTED: 0,
  UNSUPPORTED_PROTOCOL_VERSION: 1,
  /** Unknown App Key. */
  IDENTIFIER_REJECTED: 2,
  SERVER_UNAVAILABLE: 3,
  /** Bad token, or a token of another app. */
  TOKEN_INCORRECT: 4,
  /** App verification failed; Parley uses it for an origin outside the app's safe domains. */
  NOT_AUTHORIZED: 5,
  REDIRECT: 6,
  PACKAGE_NAME_INVALID: 7,
  APP_BLOCKED_OR_DELETED: 8,
  USER_BLOCKED: 9,
  TOKEN_EXPIRED: 10,
  DEVICE_MISMATCH: 11,
  HOSTNAME_NOT_ALLOWED: 12,
  /** Reconnect-kick is on and a device of the same class is already online. */
  SAME_CLASS_DEVICE_ONLINE: 13,
  CONNECTION_LIMIT_EXCEEDED: 14,
  WRONG_CLUSTER: 15,
  APP_SERVER_AUTH_FAILED: 16,
  ONE_TIME_TOKEN_USED: 17,
  PLATFORM_REJECTED: 18,
  USER_DEACTIVATED: 19,
  LICENSE_EXPIRED: 20,
} as const;
export type ConnAckStatus = (typeof ConnAckStatus)[keyof typeof ConnAckStatus];

/** DISCONNECT status (u8). */
export const DisconnectStatus = {
  /** S→C: a newer login of the same device class took over; the client must not reconnect. */
  KICKED_BY_OTHER_LOGIN: 1,
  /** S→C: the user was blocked. */
  USER_BLOCKED: 2,
  /** C→S: the client logs out (disconnects with push disabled). */
  LOGOUT: 4,
  /** S→C: the SDK reports it like a block (31011). */
  EXCEPTION: 5,
  /** S→C: navigate again and reconnect elsewhere. */
  REDIRECT: 6,
  TOKEN_EXPIRED: 7,
  UNSUPPORTED_PROTOCOL_VERSION: 8,
  USER_DEACTIVATED: 9,
} as const;
export type DisconnectStatus = (typeof DisconnectStatus)[keyof typeof DisconnectStatus];

/** The connection-level error codes an SDK reports (`ErrorCode` in the Web SDK). */
export const ConnectionErrorCode = {
  SUCCESS: 0,
  SOCKET_DISCONNECTED: 30011,
  CONN_ACK_TIMEOUT: 31000,
  PROTOCOL_VERSION_ERROR: 31001,
  IDENTIFIER_REJECTED: 31002,
  SERVER_UNAVAILABLE: 31003,
  TOKEN_INCORRECT: 31004,
  NOT_AUTHORIZED: 31005,
  REDIRECTED: 31006,
  PACKAGE_NAME_INVALID: 31007,
  APP_BLOCKED_OR_DELETED: 31008,
  USER_BLOCKED: 31009,
  KICKED_BY_OTHER_LOGIN: 31010,
  DISCONNECTED_BY_BLOCK: 31011,
  TOKEN_EXPIRED: 31020,
  DEVICE_MISMATCH: 31021,
  HOSTNAME_NOT_ALLOWED: 31022,
  SAME_CLASS_DEVICE_ONLINE: 31023,
  CONNECTION_LIMIT_EXCEEDED: 31024,
  WRONG_CLUSTER: 31025,
  APP_SERVER_AUTH_FAILED: 31026,
  ONE_TIME_TOKEN_USED: 31027,
  PLATFORM_REJECTED: 31028,
  USER_DEACTIVATED: 31029,
  LICENSE_EXPIRED: 31030,
} as const;

/**
 * The client error code for a CONNACK status: 0 for success, 1..9 → 31000 + n, 10..20 → 31010 + n
 * (the SDK skips 31010–31019 here, which it uses for disconnects). `undefined` for other values,
 * which the SDK has no code for.
 */
export function connAckStatusToClientCode(status: number): number | undefined {
  if (!Number.isInteger(status)) return undefined;
  if (status === ConnAckStatus.ACCEPTED) return ConnectionErrorCode.SUCCESS;
  if (status >= 1 && status <= 9) return 31000 + status;
  if (status >= 10 && status <= 20) return 31010 + status;
  return undefined;
}

const disconnectClientCodes: ReadonlyMap<number, number> = new Map<number, number>([
  [DisconnectStatus.KICKED_BY_OTHER_LOGIN, ConnectionErrorCode.KICKED_BY_OTHER_LOGIN],
  [DisconnectStatus.USER_BLOCKED, ConnectionErrorCode.DISCONNECTED_BY_BLOCK],
  [DisconnectStatus.EXCEPTION, ConnectionErrorCode.DISCONNECTED_BY_BLOCK],
  [DisconnectStatus.REDIRECT, ConnectionErrorCode.REDIRECTED],
  [DisconnectStatus.TOKEN_EXPIRED, ConnectionErrorCode.TOKEN_EXPIRED],
  [DisconnectStatus.UNSUPPORTED_PROTOCOL_VERSION, ConnectionErrorCode.PROTOCOL_VERSION_ERROR],
  [DisconnectStatus.USER_DEACTIVATED, ConnectionErrorCode.USER_DEACTIVATED],
]);

/**
 * The client error code for a DISCONNECT the server sends. `undefined` for statuses the SDK does
 * not map, including LOGOUT, which only clients send.
 */
export function disconnectStatusToClientCode(status: number): number | undefined {
  return disconnectClientCodes.get(status);
}

/**
 * PUBACK / QUERYACK statuses (u16). The SDK hands a non-zero status to the app as the error code,
 * and carries on: an unknown topic can always be answered with OPERATION_NOT_SUPPORTED.
 * Names follow the Web SDK's `ErrorCode` enum where it has one.
 */
export const AckStatus = {
  SUCCESS: 0,
  /** Message content over the size limit (server side; the SDK itself refuses > 128 KiB with 30016). */
  MESSAGE_SIZE_EXCEEDED: 20115,
  /** Sending too fast (the SDK's text: at most 5 messages a second). */
  SEND_FREQUENCY_TOO_FAST: 20604,
  /** The server does not do this; the SDK's name is OPERATION_NOT_SUPPORT. */
  OPERATION_NOT_SUPPORTED: 20606,
  /** Any request over its rate limit. */
  REQUEST_OVER_FREQUENCY: 20607,
  NOT_IN_GROUP: 22406,
  FORBIDDEN_IN_GROUP: 22408,
  /** Generic server failure; the SDK's name is RC_SERVER_UNKOWN_ERROR. */
  SERVER_UNKNOWN_ERROR: 25104,
  /** Recalling someone else's message when only own messages may be recalled. */
  RECALL_NOT_ALLOWED: 25107,
  /** A recall that cannot be done: no such message in that conversation, or past the recall window. */
  RECALL_FAILED: 25101,
  /** An edit past the recall window; the SDK's name is MESSAGE_OVER_MODIFY_TIME_FAIL. */
  MODIFY_TIME_OVER: 20114,
  /** An edit of someone else's message, of a message that is gone, or of a type that cannot be edited. */
  MODIFY_UNSUPPORTED: 20116,
  /** An expansion over its limits (keys per update or message, key or value length); the SDK's EXPANSION_LIMIT_EXCEET. */
  EXPANSION_LIMIT_EXCEEDED: 34010,
  /** An expansion key or value of the wrong shape; the SDK's INVALID_PARAMETER_MESSAGE_EXPANSION. */
  EXPANSION_INVALID: 34220,
  /** An expansion update naming a message that is not there (in that conversation). */
  EXPANSION_MESSAGE_MISSING: 22201,
  /** An expansion update of a message sent without `canIncludeExpansion`. */
  EXPANSION_NOT_ALLOWED: 22202,
  /** A message UID that names no message the caller may act on; the SDK's name is RC_SERVER_PARAMETER_MESSAGEUID_INVALID. */
  MESSAGE_UID_INVALID: 26009,
  /** Asking who read someone else's message; the SDK's name (receipts v5) is SERVICE_RRSV5_MESSAGE_SENDER_MISMATCH. */
  NOT_MESSAGE_SENDER: 26320,
  /** Bad request parameters; the SDK's name is RC_SERVER_PARAMETER_INVALID. */
  PARAMETER_INVALID: 26010,
  /** An upload over the server's size limit, refused before any byte is sent; the SDK's name is RC_FILE_SIZE_EXCEED_LIMIT. */
  FILE_SIZE_EXCEEDED: 26106,
  /** A subscribed-to user already has as many subscribers as they may; RC_BESUBSCRIBED_USERIDS_COUNT_EXCEED_LIMIT. */
  SUBSCRIBERS_EXCEED_LIMIT: 26021,
  /** A subscribe past the user's subscription limit; RC_SUBSCRIBED_USERIDS_EXCEED_LIMIT. */
  SUBSCRIPTIONS_EXCEED_LIMIT: 26022,
  /** Sending to, or reading, a chatroom the user has not joined. */
  NOT_IN_CHATROOM: 23406,
  /** Sending to a chatroom where the user is muted (gagged). */
  FORBIDDEN_IN_CHATROOM: 23408,
  /** Joining a chatroom the user is blocked from; the SDK's name is RC_CHATROOM_USER_KICKED. */
  CHATROOM_USER_KICKED: 23409,
  /** `joinExistChatRoom` (and rejoin) of a chatroom that does not exist; RC_CHATROOM_NOT_EXIST. */
  CHATROOM_NOT_EXIST: 23410,
  /** The chatroom holds as many members as it may; RC_CHATROOM_IS_FULL. */
  CHATROOM_IS_FULL: 23411,
  /** A chatroom id or request of the wrong shape; RC_CHATROOM_PATAMETER_INVALID (sic). */
  CHATROOM_PARAMETER_INVALID: 23412,
  /** A chatroom already holds as many keys as it may. */
  CHATROOM_KV_EXCEED: 23423,
  /** Overwriting or removing a key another user set, without the force flag. */
  CHATROOM_KV_OVERWRITE_INVALID: 23424,
  /** Key-value changes in a chatroom over their rate. */
  CHATROOM_SET_PROPERTY_OVER_FREQUENCY: 23425,
  /** Removing a key the chatroom does not hold. */
  CHATROOM_KEY_NOT_EXIST: 23427,
  /** A batch key-value change where some keys failed (each named in the answer). */
  CHATROOM_KV_STORE_NOT_ALL_SUCCESS: 23428,
} as const;
export type AckStatus = (typeof AckStatus)[keyof typeof AckStatus];

/** The client-side limit on a message's JSON content, in bytes (the SDK checks it before sending). */
export const MAX_MESSAGE_CONTENT_BYTES = 128 * 1024;

/**
 * The most users a directed group message names (`toUserIds`); the SDK refuses more before sending
 * (34215), the server answers more with PARAMETER_INVALID.
 */
export const MAX_DIRECTED_USER_IDS = 300;

/** Conversation types (the schema's `ChannelType`), with the Web SDK's names. */
export const ConversationType = {
  PRIVATE: 1,
  DISCUSSION: 2,
  GROUP: 3,
  CHATROOM: 4,
  CUSTOMER_SERVICE: 5,
  SYSTEM: 6,
  APP_PUBLIC_SERVICE: 7,
  PUBLIC_SERVICE: 8,
  ULTRA_GROUP: 10,
} as const;
export type ConversationType = (typeof ConversationType)[keyof typeof ConversationType];

/**
 * `DownStreamMessage.direction`, with the Web SDK's names: whether the reader sent the message
 * (a copy synced to their other devices) or received it.
 */
export const MessageDirection = {
  SEND: 1,
  RECEIVE: 2,
} as const;
export type MessageDirection = (typeof MessageDirection)[keyof typeof MessageDirection];

/**
 * A conversation's notification level (mute), with the Web SDK's names. NOT_SET defers to the
 * conversation type's or the app's level.
 */
export const NotificationLevel = {
  ALL_MESSAGE: -1,
  NOT_SET: 0,
  AT_MESSAGE_NOTIFICATION: 1,
  AT_USER_NOTIFICATION: 2,
  AT_GROUP_ALL_USER_NOTIFICATION: 4,
  NOT_MESSAGE_NOTIFICATION: 5,
} as const;
export type NotificationLevel = (typeof NotificationLevel)[keyof typeof NotificationLevel];

/** Whether a number is one of the NotificationLevel values. */
export function isNotificationLevel(value: number): value is NotificationLevel {
  return (Object.values(NotificationLevel) as number[]).includes(value);
}

/**
 * `SessionStateItem.sessionStateType`: which conversation state an item of `setSeAtt`/`pullSeAtts`
 * carries. Its `value` is a string: "1"/"0" for IS_TOP, the level's number for NOTIFICATION_LEVEL.
 */
export const ConversationStateType = {
  NOTIFICATION_LEVEL: 1,
  IS_TOP: 2,
  TAGS: 3,
  AUTO_TRANSLATE: 4,
} as const;
export type ConversationStateType = (typeof ConversationStateType)[keyof typeof ConversationStateType];
