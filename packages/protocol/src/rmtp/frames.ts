/** The frame type, the high nibble of a frame's first byte. */
export const FrameType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  QUERY: 5,
  QUERYACK: 6,
  QUERYCON: 7,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;
export type FrameTypeName = keyof typeof FrameType;

export type QoS = 0 | 1 | 2;

/** The flag bits of a frame's first byte: `type << 4 | dup << 3 | qos << 1 | retain`. */
export interface FrameHeader {
  dup: boolean;
  qos: QoS;
  retain: boolean;
}

export const PROTOCOL_NAME = 'RCloud';
export const PROTOCOL_VERSION = 3;

export const CLIENT_PLATFORMS = ['web', 'desktop', 'mobile', 'server'] as const;
/** The device class the multi-device policy counts connections by. */
export type ClientPlatform = (typeof CLIENT_PLATFORMS)[number];

interface Frame {
  header: FrameHeader;
}

/** C→S: Parley's handshake for clients that keep the token out of the URL. */
export interface ConnectFrame extends Frame {
  type: 'CONNECT';
  keepAliveSeconds: number;
  /** The device id. */
  clientId: string;
  appKey: string;
  token: string;
  platform: ClientPlatform;
  /** Set when the client is re-establishing a session it had, not logging in afresh. */
  isReconnect: boolean;
  /**
   * Set by a reconnecting client whose app enabled reconnect-kick: refuse me (CONNACK 13 → 31023)
   * rather than kick a device of my class that logged in while I was away.
   */
  refuseIfTaken: boolean;
}

export interface ConnAckSession {
  userId: string;
  sessionId: string;
  /** Server time at connect, ms. */
  timestamp: number;
}

/** S→C: the answer to a connect; `session` is present exactly when `status` is 0. */
export interface ConnAckFrame extends Frame {
  type: 'CONNACK';
  status: number;
  session?: ConnAckSession;
}

interface PublishFields {
  topic: string;
  targetId: string;
  messageId: number;
  payload: Uint8Array;
}

export interface ClientPublishFrame extends Frame, PublishFields {
  type: 'PUBLISH';
}

export interface ServerPublishFrame extends Frame, PublishFields {
  type: 'PUBLISH';
  /** Server time, seconds. */
  date: number;
}

/** C→S: acknowledges a server PUBLISH sent with qos ≠ 0. */
export interface ClientPubAckFrame extends Frame {
  type: 'PUBACK';
  messageId: number;
}

/** S→C: the result of a client PUBLISH; the sent time is `date * 1000 + millis`. */
export interface ServerPubAckFrame extends Frame {
  type: 'PUBACK';
  messageId: number;
  /** Seconds. */
  date: number;
  status: number;
  millis: number;
  messageUId: string;
}

export interface QueryFrame extends Frame, PublishFields {
  type: 'QUERY';
}

export interface QueryAckFrame extends Frame {
  type: 'QUERYACK';
  messageId: number;
  /** Seconds. */
  date: number;
  status: number;
  payload: Uint8Array;
}

/** C→S: confirms a QUERYACK sent with qos ≠ 0. */
export interface QueryConFrame extends Frame {
  type: 'QUERYCON';
  messageId: number;
}

export interface PingReqFrame extends Frame {
  type: 'PINGREQ';
}

export interface PingRespFrame extends Frame {
  type: 'PINGRESP';
}

export interface DisconnectFrame extends Frame {
  type: 'DISCONNECT';
  status: number;
}

/** Frames a client sends. */
export type ClientFrame =
  | ConnectFrame
  | ClientPublishFrame
  | ClientPubAckFrame
  | QueryFrame
  | QueryConFrame
  | PingReqFrame
  | DisconnectFrame;

/** Frames the server sends. */
export type ServerFrame =
  | ConnAckFrame
  | ServerPublishFrame
  | ServerPubAckFrame
  | QueryAckFrame
  | PingRespFrame
  | DisconnectFrame;

/** What the encoders take: a frame whose header may be partial or absent (all flags off). */
export type FrameInput<F extends Frame> = F extends unknown
  ? Omit<F, 'header'> & { header?: Partial<FrameHeader> }
  : never;
