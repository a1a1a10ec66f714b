// Client of the raw ws relay (bench/peers/ws-relay.mjs): JSON text frames.
import WebSocket from 'ws';

const CONNECT_TIMEOUT_MS = 15_000;

export class WsClient {
  /**
   * @param {{url: string, userId: string, token: string, localAddress?: string,
   *          onMessage: (content: string) => void, onClose: (client: WsClient) => void}} o
   */
  constructor(o) {
    this.o = o;
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.connected = false;
    this.nextId = 1;
    /** @type {Map<number, (ok: boolean) => void>} */
    this.pending = new Map();
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.o.url, { localAddress: this.o.localAddress, perMessageDeflate: false });
      this.ws = ws;
      let settled = false;
      const timer = setTimeout(() => fail(new Error('timeout')), CONNECT_TIMEOUT_MS);
      const fail = (/** @type {Error} */ e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(e);
      };
      ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', token: this.o.token })));
      ws.on('error', (e) => fail(e));
      ws.on('close', (code) => {
        const wasConnected = this.connected;
        this.connected = false;
        for (const r of this.pending.values()) r(false);
        this.pending.clear();
        fail(new Error(`closed ${code}`));
        if (wasConnected) this.o.onClose(this);
      });
      ws.on('message', (/** @type {Buffer} */ data) => {
        const m = JSON.parse(data.toString());
        switch (m.t) {
          case 'ok':
            settled = true;
            clearTimeout(timer);
            this.connected = true;
            resolve(undefined);
            return;
          case 'm':
            this.o.onMessage(m.c);
            return;
          case 'a': {
            const r = this.pending.get(m.id);
            if (r) {
              this.pending.delete(m.id);
              r(m.ok);
            }
            return;
          }
        }
      });
    });
  }

  /** @param {'user' | 'group'} kind @param {string} to @param {string} content */
  send(kind, to, content) {
    const ws = this.ws;
    if (!ws || !this.connected) return Promise.resolve(false);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      ws.send(JSON.stringify({ t: kind === 'group' ? 'g' : 'm', to, id, c: content }));
    });
  }

  /** @param {string} group */
  join(group) {
    const ws = this.ws;
    if (!ws || !this.connected) return Promise.resolve(false);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      ws.send(JSON.stringify({ t: 'j', g: group, id }));
    });
  }

  close() {
    this.ws?.terminate();
  }
}
