import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame } from '../rmtp/codec.js';
import { FrameType, type ClientFrame, type ConnectFrame, type FrameInput, type ServerFrame } from '../rmtp/frames.js';
import { decodeNativeConnect, encodeNativeConnect, type NativeConnectFrame } from './connect-frame.js';
import { fromNativeWire, toNativeWire } from './framing.js';

// The native stack carries the WebSocket frames with four changes, each made once: TCP framing and
// the XOR around every frame (framing.ts), a signature before the body of each PUBLISH and QUERY
// (the stack signs what it sends; the server signs its PUBLISH), and its own CONNECT.

/** Frames a native client sends: the WebSocket client frames, with the native CONNECT. */
export type NativeClientFrame = NativeConnectFrame | Exclude<ClientFrame, ConnectFrame>;
/** Frames the server sends a native client: the same as on WebSocket. */
export type NativeServerFrame = ServerFrame;

const isSignedClientType = (type: number): boolean => type === FrameType.PUBLISH || type === FrameType.QUERY;
const isSignedServerType = (type: number): boolean => type === FrameType.PUBLISH;

/**
 * Parses the wire bytes of exactly one frame from a native client, as `NativeDeframer.read` returns
 * them. Throws `FrameDecodeError`, and nothing else, for anything that is not one well-formed frame.
 */
export function decodeNativeClientFrame(wire: Uint8Array): NativeClientFrame {
  const frame = fromNativeWire(wire, isSignedClientType);
  if ((frame[0] as number) >> 4 === FrameType.CONNECT) return decodeNativeConnect(frame);
  // Not a CONNECT: its type nibble was just checked.
  return decodeClientFrame(frame) as Exclude<ClientFrame, ConnectFrame>;
}

/** The wire bytes of a frame for a native client. Throws `FrameEncodeError` for values the layout cannot carry. */
export function encodeNativeServerFrame(frame: FrameInput<NativeServerFrame>): Uint8Array {
  const plain = encodeServerFrame(frame);
  return toNativeWire(plain, isSignedServerType((plain[0] as number) >> 4));
}

/** The wire bytes of a frame as a native client sends it: for tests and load clients. */
export function encodeNativeClientFrame(frame: FrameInput<NativeClientFrame>): Uint8Array {
  const plain = frame.type === 'CONNECT' ? encodeNativeConnect(frame) : encodeClientFrame(frame);
  return toNativeWire(plain, isSignedClientType((plain[0] as number) >> 4));
}

/** Parses the wire bytes of exactly one server frame, as a native client would. Throws `FrameDecodeError` only. */
export function decodeNativeServerFrame(wire: Uint8Array): NativeServerFrame {
  return decodeServerFrame(fromNativeWire(wire, isSignedServerType));
}
