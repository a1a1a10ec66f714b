import { FrameReader } from '../rmtp/bytes.js';
import { readFixedHeader, startFrame } from '../rmtp/codec.js';
import { FrameDecodeError, FrameEncodeError } from '../rmtp/errors.js';
import {
  FrameType,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type ClientPlatform,
  type ConnectFrame,
  type FrameInput,
} from '../rmtp/frames.js';

/**
 * C→S: the CONNECT of RongCloud's native stack (Android, iOS, Electron). It carries everything the
 * WebSocket `ConnectFrame` does, so the same handshake code takes both, plus the fields below.
 *
 * `isReconnect` and `refuseIfTaken` are both the one flag bit 0x02: the stack sets it when its host
 * passes `reconnectKickEnable`, which the Electron SDK does on every automatic reconnect (and on a
 * first connect only when the app asks for reconnect-kick). The frame has no other reconnect signal.
 */
export interface NativeConnectFrame extends ConnectFrame {
  /** MQTT's will topic, where the stack names itself: `"RongIMPCClient"` from the Electron SDK. */
  willTopic: string;
  /**
   * MQTT's will message: `<platform>-<extra>[|quic]-<SDK version>`, e.g. `"PC--5.46.1"`. The
   * platform is one of the stack's `Android`, `iOS`, `PC`, `EM`, `WinPhone`; `platform` and
   * `sdkVersion` are read from it.
   */
  willMessage: string;
  /** The SDK version at the end of the will message. */
  sdkVersion: string;
  /** Flag 0x01: sent when navigation sets `baggageEnabled`, e.g. `"baggage:cid=<connect id>"`. */
  baggage?: string;
  /**
   * Flag 0x20: `"@"` + base64 of the MD5 of a connect-profile string of the stack. The Electron SDK
   * never sets that string; the field is read so that a CONNECT carrying it still decodes.
   */
  profileDigest?: string;
}

// Flags, in MQTT 3.1 positions. The stack always sets user name (app key), password (token) and
// will (its platform and version); 0x02, MQTT's clean-session bit, carries reconnect-kick instead.
const FLAG_APP_KEY = 0x80;
const FLAG_TOKEN = 0x40;
const FLAG_PROFILE_DIGEST = 0x20;
const FLAG_WILL = 0x04;
const FLAG_RECONNECT_KICK = 0x02;
const FLAG_BAGGAGE = 0x01;
const REQUIRED_FLAGS = FLAG_APP_KEY | FLAG_TOKEN | FLAG_WILL;
const OPTIONAL_FLAGS = FLAG_PROFILE_DIGEST | FLAG_RECONNECT_KICK | FLAG_BAGGAGE;

// Room for the fields of a typical CONNECT; the writer grows for a longer one.
const CONNECT_SIZE_HINT = 160;

/** Of the stack's platforms only PC is a desktop; the others are phones (EM's meaning is unknown). */
function platformOf(willMessage: string): ClientPlatform {
  const separator = willMessage.indexOf('-');
  return (separator < 0 ? willMessage : willMessage.slice(0, separator)) === 'PC' ? 'desktop' : 'mobile';
}

function sdkVersionOf(willMessage: string): string {
  const separator = willMessage.lastIndexOf('-');
  return separator < 0 ? '' : willMessage.slice(separator + 1);
}

/** The CONNECT in its WebSocket layout (fixed header, then the plain body). */
export function encodeNativeConnect(frame: FrameInput<NativeConnectFrame>): Uint8Array {
  if (typeof frame.willMessage !== 'string') throw new FrameEncodeError('willMessage must be a string');
  if (frame.platform !== platformOf(frame.willMessage) || frame.sdkVersion !== sdkVersionOf(frame.willMessage)) {
    throw new FrameEncodeError(`platform and sdkVersion must be the ones willMessage ${JSON.stringify(frame.willMessage)} names`);
  }
  if (frame.isReconnect !== frame.refuseIfTaken) {
    throw new FrameEncodeError('a native CONNECT has one bit for isReconnect and refuseIfTaken: they must be equal');
  }
  const flags =
    REQUIRED_FLAGS |
    (frame.isReconnect ? FLAG_RECONNECT_KICK : 0) |
    (frame.baggage === undefined ? 0 : FLAG_BAGGAGE) |
    (frame.profileDigest === undefined ? 0 : FLAG_PROFILE_DIGEST);
  const writer = startFrame(FrameType.CONNECT, frame.header, CONNECT_SIZE_HINT)
    .string(PROTOCOL_NAME, 'protocol name')
    .u8(PROTOCOL_VERSION, 'protocol version')
    .u8(flags, 'connect flags')
    .u16LittleEndian(frame.keepAliveSeconds, 'keepAliveSeconds')
    .string(frame.clientId, 'clientId')
    .string(frame.willTopic, 'willTopic')
    .string(frame.willMessage, 'willMessage')
    .string(frame.appKey, 'appKey')
    .string(frame.token, 'token');
  if (frame.baggage !== undefined) writer.string(frame.baggage, 'baggage');
  if (frame.profileDigest !== undefined) writer.string(frame.profileDigest, 'profileDigest');
  return writer.finish();
}

/** Parses a CONNECT in its WebSocket layout. Throws `FrameDecodeError` only. */
export function decodeNativeConnect(frame: Uint8Array): NativeConnectFrame {
  const reader = new FrameReader(frame);
  const { header } = readFixedHeader(reader);
  const protocolName = reader.string('protocol name');
  const protocolVersion = reader.u8('protocol version');
  // Version 4 is the stack's `openAnti` mode: another flags byte, and a per-connection key that
  // garbles everything after the header anyway.
  if (protocolName !== PROTOCOL_NAME || protocolVersion !== PROTOCOL_VERSION) {
    throw new FrameDecodeError('unsupported-protocol', `CONNECT for ${JSON.stringify(protocolName)} version ${protocolVersion}`);
  }
  const flags = reader.u8('connect flags');
  if ((flags & ~OPTIONAL_FLAGS) !== REQUIRED_FLAGS) {
    throw new FrameDecodeError('invalid-connect-flags', `CONNECT flags 0x${flags.toString(16)}`);
  }
  const keepAliveSeconds = reader.u16LittleEndian('keepAliveSeconds');
  const clientId = reader.string('clientId');
  const willTopic = reader.string('willTopic');
  const willMessage = reader.string('willMessage');
  const appKey = reader.string('appKey');
  const token = reader.string('token');
  const reconnect = (flags & FLAG_RECONNECT_KICK) !== 0;
  const decoded: NativeConnectFrame = {
    type: 'CONNECT',
    header,
    keepAliveSeconds,
    clientId,
    appKey,
    token,
    platform: platformOf(willMessage),
    isReconnect: reconnect,
    refuseIfTaken: reconnect,
    willTopic,
    willMessage,
    sdkVersion: sdkVersionOf(willMessage),
  };
  if (flags & FLAG_BAGGAGE) decoded.baggage = reader.string('baggage');
  if (flags & FLAG_PROFILE_DIGEST) decoded.profileDigest = reader.string('profileDigest');
  reader.end('CONNECT');
  return decoded;
}
