// Client of the Socket.IO relay (bench/peers/socketio-relay.mjs): websocket transport only, one
// Manager per client (forceNew), Socket.IO's own reconnection off (the worker reconnects).
import { io } from 'socket.io-client';

const CONNECT_TIMEOUT_MS = 15_000;

export class SocketIoClient {
  /**
   * @param {{url: string, userId: string, token: string, localAddress?: string,
   *          onMessage: (content: string) => void, onClose: (client: SocketIoClient) => void}} o
   */
  constructor(o) {
    this.o = o;
    /** @type {import('socket.io-client').Socket | undefined} */
    this.socket = undefined;
    this.connected = false;
    /** @type {Set<(ok: boolean) => void>} */
    this.pending = new Set();
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = io(this.o.url, {
        transports: ['websocket'],
        auth: { token: this.o.token },
        reconnection: false,
        forceNew: true,
        timeout: CONNECT_TIMEOUT_MS,
        // Passed through engine.io-client to ws.
        .../** @type {any} */ ({ localAddress: this.o.localAddress, perMessageDeflate: false }),
      });
      this.socket = socket;
      let settled = false;
      socket.on('connect', () => {
        settled = true;
        this.connected = true;
        resolve(undefined);
      });
      socket.on('connect_error', (e) => {
        if (settled) return;
        settled = true;
        socket.close();
        reject(e);
      });
      socket.on('disconnect', () => {
        const wasConnected = this.connected;
        this.connected = false;
        for (const r of this.pending) r(false);
        this.pending.clear();
        if (wasConnected) this.o.onClose(this);
      });
      socket.on('m', (_from, content) => this.o.onMessage(content));
    });
  }

  /** @param {'user' | 'group'} kind @param {string} to @param {string} content */
  send(kind, to, content) {
    const socket = this.socket;
    if (!socket || !this.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (/** @type {boolean} */ ok) => {
        if (this.pending.delete(done)) resolve(ok);
      };
      this.pending.add(done);
      socket.emit(kind === 'group' ? 'g' : 'm', to, content, done);
    });
  }

  /** @param {string} group */
  join(group) {
    const socket = this.socket;
    if (!socket || !this.connected) return Promise.resolve(false);
    return new Promise((resolve) => socket.emit('j', group, resolve));
  }

  close() {
    // Terminate the transport abruptly, like the other clients do.
    const engine = /** @type {any} */ (this.socket)?.io?.engine;
    this.socket?.disconnect();
    engine?.transport?.ws?.terminate?.();
  }
}
