/**
 * The public vocabulary of @parley/client: names and values are those of RongCloud's native SDKs
 * (the seeds), so an app ported from them keeps its switch statements.
 */
export const ConnectionErrorCode = {
  /** The client process lost its connection to the SDK's own service (native SDKs only; kept for parity). */
  IPC_DISCONNECT: -2,
  UNKNOWN: -1,
  RC_NET_CHANNEL_INVALID: 30001,
  RC_NET_UNAVAILABLE: 30002,
  RC_NAVI_RESOURCE_ERROR: 30007,
  RC_SOCKET_DISCONNECTED: 30011,
  RC_PING_SEND_FAIL: 30012,
  RC_PONG_RECV_FAIL: 30013,
  RC_CONN_ACK_TIMEOUT: 31000,
  RC_CONN_PROTO_VERSION_ERROR: 31001,
  RC_CONN_ID_REJECT: 31002,
  RC_CONN_SERVER_UNAVAILABLE: 31003,
  RC_CONN_TOKEN_INCORRECT: 31004,
  /** Spelled as in the seeds. */
  RC_CONN_NOT_AUTHRORIZED: 31005,
  RC_CONN_NOT_AUTHORIZED: 31005,
  RC_CONN_REDIRECTED: 31006,
  RC_CONN_APP_BLOCKED_OR_DELETED: 31008,
  RC_CONN_USER_BLOCKED: 31009,
  RC_DISCONN_KICK: 31010,
  RC_DISCONN_USER_BLOCKED: 31011,
  RC_CONN_TOKEN_EXPIRE: 31020,
  RC_CONN_OTHER_DEVICE_LOGIN: 31023,
  RC_CONN_PROXY_UNAVAILABLE: 31028,
  RC_CONN_USER_DEACTIVATED: 31029,
  RC_CLIENT_NOT_INIT: 33001,
  DATABASE_ERROR: 33002,
  RC_INVALID_PARAMETER: 33003,
  RC_CONNECTION_EXIST: 34001,
  RC_CONNECT_TIMEOUT: 34006,
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

export const ConversationType = {
  PRIVATE: 1,
  GROUP: 3,
  SYSTEM: 6,
} as const;
export type ConversationType = (typeof ConversationType)[keyof typeof ConversationType];

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
