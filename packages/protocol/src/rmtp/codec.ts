import { FrameReader, FrameWriter } from './bytes.js';
import { FrameDecodeError, FrameEncodeError } from './errors.js';
import {
  CLIENT_PLATFORMS,
  FrameType,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type ClientFrame,
  type ClientPlatform,
  type FrameHeader,
  type FrameInput,
  type QoS,
  type ServerFrame,
} from './frames.js';

// CONNECT flag bits, in MQTT 3.1 positions: the app key rides where MQTT has the user name and
// the token where it has the password; "clean session" is cleared when the client reconnects.
const CONNECT_FLAG_APP_KEY = 0x80;
const CONNECT_FLAG_TOKEN = 0x40;
const CONNECT_FLAG_CLEAN_SESSION = 0x02;
// Parley's own bit, in MQTT's unused will position: a reconnecting client with reconnect-kick on
// asks to be refused rather than displace a same-class device that logged in meanwhile.
const CONNECT_FLAG_REFUSE_IF_TAKEN = 0x04;
const CONNECT_OPTIONAL_FLAGS = CONNECT_FLAG_CLEAN_SESSION | CONNECT_FLAG_REFUSE_IF_TAKEN;
const CONNECT_REQUIRED_FLAGS = CONNECT_FLAG_APP_KEY | CONNECT_FLAG_TOKEN;

// CONNACK and DISCONNECT open with a byte the SDK skips; it is always written as zero.
const RESERVED_BYTE = 0;

// Room for the fixed fields of any frame; strings and payloads are added to this estimate.
const FIXED_FIELDS_SIZE = 24;

/** Serializes a frame a client sends. Throws `FrameEncodeError` for values the layout cannot carry. */
export function encodeClientFrame(frame: FrameInput<ClientFrame>): Uint8Array {
  switch (frame.type) {
    case 'CONNECT': {
      const flags =
        CONNECT_REQUIRED_FLAGS |
        (frame.isReconnect ? 0 : CONNECT_FLAG_CLEAN_SESSION) |
        (frame.refuseIfTaken ? CONNECT_FLAG_REFUSE_IF_TAKEN : 0);
      if (!CLIENT_PLATFORMS.includes(frame.platform)) {
        throw new FrameEncodeError(`platform must be one of ${CLIENT_PLATFORMS.join(', ')}`);
      }
      return startFrame(FrameType.CONNECT, frame.header, sizeHint(frame.clientId, frame.appKey, frame.token))
        .string(PROTOCOL_NAME, 'protocol name')
        .u8(PROTOCOL_VERSION, 'protocol version')
        .u8(flags, 'connect flags')
        .u16(frame.keepAliveSeconds, 'keepAliveSeconds')
        .string(frame.clientId, 'clientId')
        .string(frame.appKey, 'appKey')
        .string(frame.token, 'token')
        .string(frame.platform, 'platform')
        .finish();
    }
    case 'PUBLISH':
    case 'QUERY':
      return startFrame(FrameType[frame.type], frame.header, sizeHint(frame.topic, frame.targetId, frame.payload))
        .string(frame.topic, 'topic')
        .string(frame.targetId, 'targetId')
        .u16(frame.messageId, 'messageId')
        .bytes(frame.payload, 'payload')
        .finish();
    case 'PUBACK':
    case 'QUERYCON':
      return startFrame(FrameType[frame.type], frame.header).u16(frame.messageId, 'messageId').finish();
    case 'PINGREQ':
      return startFrame(FrameType.PINGREQ, frame.header).finish();
    case 'DISCONNECT':
      return encodeDisconnect(frame.header, frame.status);
    default:
      throw new FrameEncodeError(`not a client frame type: ${describeType(frame)}`);
  }
}

/** Serializes a frame the server sends. Throws `FrameEncodeError` for values the layout cannot carry. */
export function encodeServerFrame(frame: FrameInput<ServerFrame>): Uint8Array {
  switch (frame.type) {
    case 'CONNACK': {
      const { session } = frame;
      if ((frame.status === 0) !== (session !== undefined)) {
        throw new FrameEncodeError('a CONNACK carries a session exactly when its status is 0');
      }
      const writer = startFrame(FrameType.CONNACK, frame.header, sizeHint(session?.userId, session?.sessionId))
        .u8(RESERVED_BYTE, 'reserved byte')
        .u8(frame.status, 'status');
      if (session) {
        writer
          .string(session.userId, 'userId')
          .string(session.sessionId, 'sessionId')
          .u64(session.timestamp, 'timestamp');
      }
      return writer.finish();
    }
    case 'PUBLISH':
      return startFrame(FrameType.PUBLISH, frame.header, sizeHint(frame.topic, frame.targetId, frame.payload))
        .u32(frame.date, 'date')
        .string(frame.topic, 'topic')
        .string(frame.targetId, 'targetId')
        .u16(frame.messageId, 'messageId')
        .bytes(frame.payload, 'payload')
        .finish();
    case 'PUBACK':
      return startFrame(FrameType.PUBACK, frame.header, sizeHint(frame.messageUId))
        .u16(frame.messageId, 'messageId')
        .u32(frame.date, 'date')
        .u16(frame.status, 'status')
        .u16(frame.millis, 'millis')
        .string(frame.messageUId, 'messageUId')
        .finish();
    case 'QUERYACK':
      return startFrame(FrameType.QUERYACK, frame.header, sizeHint(frame.payload))
        .u16(frame.messageId, 'messageId')
        .u32(frame.date, 'date')
        .u16(frame.status, 'status')
        .bytes(frame.payload, 'payload')
        .finish();
    case 'PINGRESP':
      return startFrame(FrameType.PINGRESP, frame.header).finish();
    case 'DISCONNECT':
      return encodeDisconnect(frame.header, frame.status);
    default:
      throw new FrameEncodeError(`not a server frame type: ${describeType(frame)}`);
  }
}

/**
 * Parses one WebSocket message from a client. Throws `FrameDecodeError`, and nothing else,
 * for anything that is not exactly one well-formed client frame.
 */
export function decodeClientFrame(data: Uint8Array | ArrayBuffer): ClientFrame {
  const reader = new FrameReader(asBytes(data));
  const { type, header } = readFixedHeader(reader);
  switch (type) {
    case FrameType.CONNECT: {
      const protocolName = reader.string('protocol name');
      const protocolVersion = reader.u8('protocol version');
      if (protocolName !== PROTOCOL_NAME || protocolVersion !== PROTOCOL_VERSION) {
        throw new FrameDecodeError(
          'unsupported-protocol',
          `CONNECT for ${JSON.stringify(protocolName)} version ${protocolVersion}`,
        );
      }
      const flags = reader.u8('connect flags');
      if ((flags & ~CONNECT_OPTIONAL_FLAGS) !== CONNECT_REQUIRED_FLAGS) {
        throw new FrameDecodeError('invalid-connect-flags', `CONNECT flags 0x${flags.toString(16)}`);
      }
      const keepAliveSeconds = reader.u16('keepAliveSeconds');
      const clientId = reader.string('clientId');
      const appKey = reader.string('appKey');
      const token = reader.string('token');
      const platform = reader.string('platform');
      if (!isClientPlatform(platform)) {
        throw new FrameDecodeError('invalid-platform', `unknown platform ${JSON.stringify(platform)}`);
      }
      reader.end('CONNECT');
      const isReconnect = (flags & CONNECT_FLAG_CLEAN_SESSION) === 0;
      const refuseIfTaken = (flags & CONNECT_FLAG_REFUSE_IF_TAKEN) !== 0;
      return { type: 'CONNECT', header, keepAliveSeconds, clientId, appKey, token, platform, isReconnect, refuseIfTaken };
    }
    case FrameType.PUBLISH:
    case FrameType.QUERY: {
      const topic = reader.string('topic');
      const targetId = reader.string('targetId');
      const messageId = reader.u16('messageId');
      const payload = reader.rest();
      const frameType = type === FrameType.PUBLISH ? 'PUBLISH' : 'QUERY';
      return { type: frameType, header, topic, targetId, messageId, payload };
    }
    case FrameType.PUBACK:
    case FrameType.QUERYCON: {
      const frameType = type === FrameType.PUBACK ? 'PUBACK' : 'QUERYCON';
      const messageId = reader.u16('messageId');
      reader.end(frameType);
      return { type: frameType, header, messageId };
    }
    case FrameType.PINGREQ:
      reader.end('PINGREQ');
      return { type: 'PINGREQ', header };
    case FrameType.DISCONNECT:
      return { type: 'DISCONNECT', header, status: readDisconnectStatus(reader) };
    default:
      throw new FrameDecodeError('unknown-type', `frame type ${type} is not one a client sends`);
  }
}

/**
 * Parses one WebSocket message from the server. Throws `FrameDecodeError`, and nothing else,
 * for anything that is not exactly one well-formed server frame.
 */
export function decodeServerFrame(data: Uint8Array | ArrayBuffer): ServerFrame {
  const reader = new FrameReader(asBytes(data));
  const { type, header } = readFixedHeader(reader);
  switch (type) {
    case FrameType.CONNACK: {
      reader.u8('reserved byte');
      const status = reader.u8('status');
      if (status !== 0) {
        reader.end('a refused CONNACK');
        return { type: 'CONNACK', header, status };
      }
      const userId = reader.string('userId');
      const sessionId = reader.string('sessionId');
      const timestamp = reader.u64('timestamp');
      reader.end('CONNACK');
      return { type: 'CONNACK', header, status, session: { userId, sessionId, timestamp } };
    }
    case FrameType.PUBLISH: {
      const date = reader.u32('date');
      const topic = reader.string('topic');
      const targetId = reader.string('targetId');
      const messageId = reader.u16('messageId');
      const payload = reader.rest();
      return { type: 'PUBLISH', header, date, topic, targetId, messageId, payload };
    }
    case FrameType.PUBACK: {
      const messageId = reader.u16('messageId');
      const date = reader.u32('date');
      const status = reader.u16('status');
      const millis = reader.u16('millis');
      const messageUId = reader.string('messageUId');
      reader.end('PUBACK');
      return { type: 'PUBACK', header, messageId, date, status, millis, messageUId };
    }
    case FrameType.QUERYACK: {
      const messageId = reader.u16('messageId');
      const date = reader.u32('date');
      const status = reader.u16('status');
      const payload = reader.rest();
      return { type: 'QUERYACK', header, messageId, date, status, payload };
    }
    case FrameType.PINGRESP:
      reader.end('PINGRESP');
      return { type: 'PINGRESP', header };
    case FrameType.DISCONNECT:
      return { type: 'DISCONNECT', header, status: readDisconnectStatus(reader) };
    default:
      throw new FrameDecodeError('unknown-type', `frame type ${type} is not one the server sends`);
  }
}

/** A writer that holds the fixed header; exported for the native codec's CONNECT. */
export function startFrame(type: number, header: Partial<FrameHeader> | undefined, variableSize = 0): FrameWriter {
  const qos = header?.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new FrameEncodeError(`qos must be 0, 1 or 2, got ${String(qos)}`);
  const flags = (header?.dup ? 0x08 : 0) | (qos << 1) | (header?.retain ? 0x01 : 0);
  return new FrameWriter(FIXED_FIELDS_SIZE + variableSize).u8((type << 4) | flags, 'fixed header');
}

function encodeDisconnect(header: Partial<FrameHeader> | undefined, status: number): Uint8Array {
  return startFrame(FrameType.DISCONNECT, header).u8(RESERVED_BYTE, 'reserved byte').u8(status, 'status').finish();
}

/** Reads the first byte; exported for the native codec's CONNECT. */
export function readFixedHeader(reader: FrameReader): { type: number; header: FrameHeader } {
  if (reader.remaining === 0) throw new FrameDecodeError('empty', 'an empty message is not a frame');
  const first = reader.u8('fixed header');
  const qos = (first >> 1) & 0x03;
  if (qos === 3) throw new FrameDecodeError('invalid-qos', 'fixed header has qos 3');
  return {
    type: first >> 4,
    header: { dup: (first & 0x08) !== 0, qos: qos as QoS, retain: (first & 0x01) !== 0 },
  };
}

function readDisconnectStatus(reader: FrameReader): number {
  reader.u8('reserved byte');
  const status = reader.u8('status');
  reader.end('DISCONNECT');
  return status;
}

function asBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** A size hint for the writer; wrong types are left for the writer to reject with a clear error. */
function sizeHint(...fields: unknown[]): number {
  let size = 0;
  for (const field of fields) {
    if (typeof field === 'string') size += 2 + field.length;
    else if (field instanceof Uint8Array) size += field.length;
  }
  return size;
}

function isClientPlatform(value: string): value is ClientPlatform {
  return (CLIENT_PLATFORMS as readonly string[]).includes(value);
}

function describeType(frame: unknown): string {
  return String((frame as { type?: unknown } | null)?.type);
}
