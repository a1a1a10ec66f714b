import type { ClientFrame, FrameInput, ServerFrame } from '@parley/protocol';

/**
 * Why the server closes a connection. Each transport says it its own way: a WebSocket close code,
 * a plain end of the TCP stream for the native stack (which has no such codes).
 */
export type CloseReason = 'normal' | 'going-away' | 'protocol-error' | 'unsupported-data' | 'policy-violation';

/**
 * Which kind of client sits behind a transport, for the few payload differences: `web` is RMTP over
 * WebSocket (the official Web SDK, `@parley/client`), `native` RMTP over TCP (RongCloud's native
 * stack, see down-stream.ts).
 */
export type Flavor = 'web' | 'native';

/**
 * The seam between the connection core (gateway.ts) and what carries its frames. A transport turns
 * bytes into frames for the core and frames into bytes; it knows nothing of sessions, and the core
 * nothing of sockets.
 */
export interface FrameTransport {
  readonly flavor: Flavor;
  /** The client's address, as per-address limits count it. */
  readonly ip: string;
  /** A browser page's Origin header; native and Node clients send none. */
  readonly origin: string | undefined;
  /** Bytes handed to the transport and not yet sent. */
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
  send(frame: FrameInput<ServerFrame>): void;
  /** Closes once what was sent has gone out; `detail` is for the WebSocket close frame and logs. */
  close(reason: CloseReason, detail: string): void;
  /** Drops the connection at once, with no goodbye. */
  destroy(): void;
  /** The client is admitted: limits kept tight for strangers (the largest frame) may open up. */
  opened?(): void;
}

/** What a transport tells the core, once per frame or event. */
export interface TransportEvents {
  frame(frame: ClientFrame): void;
  /** Bytes that are not a frame of this protocol. */
  malformed(reason: CloseReason, detail: string): void;
  /** A CONNECT the transport read but cannot take (another protocol version): CONNACK `status`, then close. */
  refused(status: number, detail: string): void;
  closed(): void;
}
