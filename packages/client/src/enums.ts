import { ConnectionErrorCode as WireCode, ConversationType as WireConversationType, NotificationLevel as WireNotificationLevel } from '@parley/protocol';

/**
 * The public vocabulary of @parley/client: names and values are those of RongCloud's native SDKs
 * (the seeds), so an app ported from them keeps its switch statements. Codes the protocol also
 * knows take their values from it; the others are the client's own.
 */
export const ConnectionErrorCode = {
  /**
   * The IPC process ended unexpectedly; the SDK reconnects by itself. In browsers: the shared worker
   * or leader tab holding the tabs' shared connection ended (src/tabs/), reported with SUSPEND.
   */
  IPC_DISCONNECT: -2,
  UNKNOWN: -1,
  RC_NET_CHANNEL_INVALID: 30001,
  RC_NET_UNAVAILABLE: 30002,
  RC_NAVI_RESOURCE_ERROR: 30007,
  RC_SOCKET_DISCONNECTED: WireCode.SOCKET_DISCONNECTED,
  RC_PING_SEND_FAIL: 30012,
  RC_PONG_RECV_FAIL: 30013,
  RC_CONN_ACK_TIMEOUT: WireCode.CONN_ACK_TIMEOUT,
  RC_CONN_PROTO_VERSION_ERROR: WireCode.PROTOCOL_VERSION_ERROR,
  RC_CONN_ID_REJECT: WireCode.IDENTIFIER_REJECTED,
  RC_CONN_SERVER_UNAVAILABLE: WireCode.SERVER_UNAVAILABLE,
  RC_CONN_TOKEN_INCORRECT: WireCode.TOKEN_INCORRECT,
  /** Spelled as in the seeds. */
  RC_CONN_NOT_AUTHRORIZED: WireCode.NOT_AUTHORIZED,
  RC_CONN_NOT_AUTHORIZED: WireCode.NOT_AUTHORIZED,
  RC_CONN_REDIRECTED: WireCode.REDIRECTED,
  RC_CONN_APP_BLOCKED_OR_DELETED: WireCode.APP_BLOCKED_OR_DELETED,
  RC_CONN_USER_BLOCKED: WireCode.USER_BLOCKED,
  RC_DISCONN_KICK: WireCode.KICKED_BY_OTHER_LOGIN,
  RC_DISCONN_USER_BLOCKED: WireCode.DISCONNECTED_BY_BLOCK,
  RC_CONN_TOKEN_EXPIRE: WireCode.TOKEN_EXPIRED,
  RC_CONN_OTHER_DEVICE_LOGIN: WireCode.SAME_CLASS_DEVICE_ONLINE,
  /** The seeds' number for a proxy that fails; the protocol's PLATFORM_REJECTED shares it, not its meaning. */
  RC_CONN_PROXY_UNAVAILABLE: 31028,
  RC_CONN_USER_DEACTIVATED: WireCode.USER_DEACTIVATED,
  RC_CLIENT_NOT_INIT: 33001,
  DATABASE_ERROR: 33002,
  RC_INVALID_PARAMETER: 33003,
  RC_CONNECTION_EXIST: 34001,
  RC_CONNECT_TIMEOUT: 34006,
  /** A file upload failed (the upload server refused it or could not be reached); the SDK's UPLOAD_FAIL. */
  UPLOAD_FAIL: 34011,
} as const;
export type ConnectionErrorCode = (typeof ConnectionErrorCode)[keyof typeof ConnectionErrorCode];

export const ConnectionStatus = {
  NETWORK_UNAVAILABLE: -1,
  CONNECTED: 0,
  CONNECTING: 1,
  UNCONNECTED: 2,
  KICKED_OFFLINE_BY_OTHER_CLIENT: 3,
  TOKEN_INCORRECT: 4,
  CONN_USER_BLOCKED: 6,
  SIGN_OUT: 12,
  SUSPEND: 13,
  TIMEOUT: 14,
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

export const DatabaseOpenStatus = {
  DATABASE_OPEN_SUCCESS: 0,
  DATABASE_OPEN_ERROR: 33002,
} as const;
export type DatabaseOpenStatus = (typeof DatabaseOpenStatus)[keyof typeof DatabaseOpenStatus];

/** The conversation types Parley offers. */
export const ConversationType = {
  PRIVATE: WireConversationType.PRIVATE,
  GROUP: WireConversationType.GROUP,
  SYSTEM: WireConversationType.SYSTEM,
} as const;
export type ConversationType = (typeof ConversationType)[keyof typeof ConversationType];

/** A conversation's notification level (mute), with RongCloud's names. */
export const NotificationLevel = WireNotificationLevel;
export type NotificationLevel = WireNotificationLevel;

/** Codes that end a connect attempt at once: retrying cannot change the answer. */
export const BUSINESS_ERROR_CODES: ReadonlySet<number> = new Set([
  ConnectionErrorCode.RC_CONN_ID_REJECT,
  ConnectionErrorCode.RC_CONN_TOKEN_INCORRECT,
  ConnectionErrorCode.RC_CONN_NOT_AUTHRORIZED,
  ConnectionErrorCode.RC_CONN_APP_BLOCKED_OR_DELETED,
  ConnectionErrorCode.RC_CONN_USER_BLOCKED,
  ConnectionErrorCode.RC_CONN_TOKEN_EXPIRE,
  ConnectionErrorCode.RC_CONN_OTHER_DEVICE_LOGIN,
  ConnectionErrorCode.RC_CONN_PROXY_UNAVAILABLE,
  ConnectionErrorCode.RC_CONN_USER_DEACTIVATED,
]);
