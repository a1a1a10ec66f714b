import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { decodeClientFrame, encodeServerFrame, FrameDecodeError, WEBSOCKET_PATH, type ClientFrame, type FrameInput, type ServerFrame } from '@parley/protocol';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Gateway } from '../gateway.js';
import { handshakeFromUrl } from '../handshake.js';
import type { CloseReason, FrameTransport, TransportEvents } from '../transport.js';
import { writeCoalescing } from './write-coalescing.js';

/** WebSocket close codes for each reason the core closes a connection. */
export const CLOSE_CODES: Readonly<Record<CloseReason, number>> = {
  normal: 1000,
  'going-away': 1001,
  'protocol-error': 1002,
  'unsupported-data': 1003,
  'policy-violation': 1008,
};

/** RMTP over WebSocket: one binary WebSocket message per frame. */
class WebSocketTransport implements FrameTransport {
  readonly flavor = 'web';

  constructor(
    private readonly ws: WebSocket,
    /** The upgraded socket under `ws`: its writes are coalesced per event-loop turn. */
    private readonly socket: Duplex,
    readonly ip: string,
    readonly origin: string | undefined,
  ) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(frame: FrameInput<ServerFrame>): void {
    writeCoalescing.hold(this.socket);
    this.ws.send(encodeServerFrame(frame), { binary: true });
  }

  /** The close handshake lets a last frame sent just before arrive first. */
  close(reason: CloseReason, detail: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(CLOSE_CODES[reason], detail);
  }

  destroy(): void {
    this.ws.terminate();
  }
}

export interface WebSocketEntry {
  /** Stops taking upgrades; open connections are the gateway's to close. */
  close(): void;
}

/**
 * `/websocket` on the HTTP server. The official Web SDK puts its credentials in the URL;
 * `@parley/client` sends a CONNECT frame, which keeps the token out of URLs and logs.
 */
export function serveWebSocket(httpServer: Server, gateway: Gateway, clientAddress: (request: IncomingMessage) => string): WebSocketEntry {
  const wss = new WebSocketServer({ noServer: true, maxPayload: gateway.options.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  let accepting = true;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (!accepting || url.pathname !== WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const origin = request.headers.origin;
      const events = gateway.accept(new WebSocketTransport(ws, socket, clientAddress(request), origin), handshakeFromUrl(url.searchParams, origin));
      ws.on('message', (data, isBinary) => deliver(events, data, isBinary));
      ws.on('close', () => events.closed());
      ws.on('error', () => ws.terminate());
    });
  };
  httpServer.on('upgrade', onUpgrade);
  return {
    close: () => {
      accepting = false;
      httpServer.off('upgrade', onUpgrade);
      wss.close();
    },
  };
}

function deliver(events: TransportEvents, data: RawData, isBinary: boolean): void {
  if (!isBinary) {
    events.malformed('unsupported-data', 'binary frames only');
    return;
  }
  let frame: ClientFrame;
  try {
    frame = decodeClientFrame(data as Buffer);
  } catch (error) {
    if (!(error instanceof FrameDecodeError)) throw error;
    events.malformed('protocol-error', `malformed frame: ${error.reason}`);
    return;
  }
  events.frame(frame);
}
