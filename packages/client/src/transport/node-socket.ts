import WebSocket from 'ws';
import { ConnectionErrorCode } from '../enums.js';
import type { ProxySetting } from '../options.js';
import { ProxyUnavailableError } from './proxy/connect-through-proxy.js';
import { webSocketOptionsForProxy } from './proxy/websocket-through-proxy.js';
import { TransportError, type FrameSocket, type OpenSocket } from './frame-socket.js';

/** Node: a `ws` client socket, through a proxy when one is set. */
export function nodeSocketOpener(proxy: ProxySetting | undefined): OpenSocket {
  return (url) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000, ...(proxy && webSocketOptionsForProxy(proxy, url)) });
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
        if (opened) return;
        // A proxy that cannot be used is the app's setting, not the network: 31028 ends the attempt.
        const code = error instanceof ProxyUnavailableError ? ConnectionErrorCode.RC_CONN_PROXY_UNAVAILABLE : ConnectionErrorCode.RC_SOCKET_DISCONNECTED;
        reject(new TransportError(code, error.message));
      });
      ws.on('close', () => {
        if (opened) socket.onClose();
      });
    });
}
