import { ConnectionErrorCode } from '../enums.js';
import { TransportError, type FrameSocket, type OpenSocket } from './frame-socket.js';

/** Browsers: the page's own WebSocket. */
export const openBrowserSocket: OpenSocket = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let opened = false;
    const socket: FrameSocket = {
      send: (data) => ws.send(data),
      close: () => ws.close(),
      onFrame: () => undefined,
      onClose: () => undefined,
    };
    ws.onopen = () => {
      opened = true;
      resolve(socket);
    };
    ws.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) socket.onFrame(new Uint8Array(event.data));
    };
    ws.onclose = () => {
      if (opened) socket.onClose();
      else reject(new TransportError(ConnectionErrorCode.RC_SOCKET_DISCONNECTED, `could not open ${url}`));
    };
  });
