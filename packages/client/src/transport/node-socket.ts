import WebSocket from 'ws';
import { ConnectionErrorCode } from '../enums.js';
import type { ProxySetting } from '../options.js';
import { TransportError, type FrameSocket, type OpenSocket } from './frame-socket.js';

/** Node: a `ws` client socket, through a proxy when one is set. */
export function nodeSocketOpener(proxy: ProxySetting | undefined): OpenSocket {
  return (url) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
      let opened = false;
      const socket: FrameSocket = {
        send: (data) => ws.send(data),
        close: () => ws.terminate(),
        onFrame: () => undefined,
        onClose: () => undefined,
      };
      ws.on('open', () => {
        opened = true;
        resolve(socket);
      });
      ws.on('message', (data: Buffer) => socket.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
      ws.on('error', (error: Error & { code?: number }) => {
        if (!opened) reject(error instanceof TransportError ? error : new TransportError(ConnectionErrorCode.RC_SOCKET_DISCONNECTED, error.message));
      });
      ws.on('close', () => {
        if (opened) socket.onClose();
      });
    });
}
