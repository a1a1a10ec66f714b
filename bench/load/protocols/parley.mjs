// A lean RMTP client for load: the frames Parley's own SDK sends, built on @parley/protocol + ws.
// Connect: CONNECT frame (token inside, not in the URL) → CONNACK. Send: PUBLISH ppMsgP/pgMsgP qos 1
// → PUBACK (after the durable commit). Receive: s_ntf → QUERY pullMsg from the kept cursor, paging
// until `finished`, exactly like test/support/syncing-client.ts.
import { decodePayload, decodeServerFrame, encodeClientFrame, encodePayload } from '@parley/protocol';
import WebSocket from 'ws';

const CONNECT_TIMEOUT_MS = 15_000;

export class ParleyClient {
  /**
   * @param {{url: string, appKey: string, userId: string, token: string, localAddress?: string, deviceId: string,
   *          onMessage: (content: string) => void, onClose: (client: ParleyClient) => void}} o
   */
  constructor(o) {
    this.o = o;
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.connected = false;
    /** Inbox cursor, kept across reconnects like a real device keeps it. */
    this.cursor = /** @type {number | undefined} */ (undefined);
    this.nextId = 1;
    // clientUniqueId is the server's idempotency key per sender (a repeat is acked but stored once),
    // so it must never repeat for a user across scenarios: microseconds since the epoch, counted up.
    this.nextUnique = Date.now() * 1000;
    /** @type {Map<number, (ok: boolean) => void>} */
    this.pendingSends = new Map();
    /** @type {Map<number, (frame: any) => void>} */
    this.pendingQueries = new Map();
    this.pulling = false;
    this.pullAgain = false;
  }

  id() {
    const id = this.nextId;
    this.nextId = id >= 65_535 ? 1 : id + 1;
    return id;
  }

  /** Resolves once the CONNACK accepted the session (and, on a reconnect, the first pull started). */
  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.o.url}/websocket`, { localAddress: this.o.localAddress, perMessageDeflate: false });
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
      ws.on('open', () => {
        ws.send(
          encodeClientFrame({
            type: 'CONNECT',
            keepAliveSeconds: 300,
            clientId: this.o.deviceId,
            appKey: this.o.appKey,
            token: this.o.token,
            platform: 'desktop',
            isReconnect: this.cursor !== undefined,
            refuseIfTaken: false,
          }),
        );
      });
      ws.on('error', (e) => fail(e));
      ws.on('close', (code) => {
        const wasConnected = this.connected;
        this.connected = false;
        for (const r of this.pendingSends.values()) r(false);
        this.pendingSends.clear();
        for (const r of this.pendingQueries.values()) r(undefined);
        this.pendingQueries.clear();
        fail(new Error(`closed ${code}`));
        if (wasConnected) this.o.onClose(this);
      });
      ws.on('message', (/** @type {Buffer} */ data) => {
        const frame = decodeServerFrame(data);
        switch (frame.type) {
          case 'CONNACK':
            if (frame.status !== 0) return fail(new Error(`connack ${frame.status}`));
            settled = true;
            clearTimeout(timer);
            this.connected = true;
            if (this.cursor === undefined) {
              // A device that has synced up to now: older inbox entries belong to earlier scenarios.
              this.cursor = (frame.session?.timestamp ?? Date.now()) - 1;
            } else {
              void this.pull();
            }
            resolve(undefined);
            return;
          case 'PUBACK': {
            const r = this.pendingSends.get(frame.messageId);
            if (r) {
              this.pendingSends.delete(frame.messageId);
              r(frame.status === 0);
            }
            return;
          }
          case 'QUERYACK': {
            const r = this.pendingQueries.get(frame.messageId);
            if (r) {
              this.pendingQueries.delete(frame.messageId);
              r(frame);
            }
            return;
          }
          case 'PUBLISH':
            if (frame.topic === 's_ntf') void this.pull();
            return;
          default:
            return;
        }
      });
    });
  }

  /**
   * @param {'user' | 'group'} kind
   * @param {string} to
   * @param {string} content
   * @returns {Promise<boolean>} true once stored (PUBACK status 0)
   */
  send(kind, to, content) {
    const ws = this.ws;
    if (!ws || !this.connected) return Promise.resolve(false);
    const messageId = this.id();
    return new Promise((resolve) => {
      this.pendingSends.set(messageId, resolve);
      ws.send(
        encodeClientFrame({
          type: 'PUBLISH',
          header: { qos: 1 },
          topic: kind === 'group' ? 'pgMsgP' : 'ppMsgP',
          targetId: to,
          messageId,
          payload: encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content, clientUniqueId: this.nextUnique++ }),
        }),
      );
    });
  }

  /** Parley groups are made with the Server API, not by the clients. */
  async join() {}

  /** Pulls until the server says finished; a notice during a pull triggers one more round. */
  async pull() {
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    try {
      do {
        this.pullAgain = false;
        let finished = false;
        while (!finished) {
          const ws = this.ws;
          if (!ws || !this.connected) return;
          const messageId = this.id();
          const answer = await new Promise((resolve) => {
            this.pendingQueries.set(messageId, resolve);
            ws.send(
              encodeClientFrame({
                type: 'QUERY',
                topic: 'pullMsg',
                targetId: '',
                messageId,
                payload: encodePayload('SyncRequestMsg', { syncTime: this.cursor ?? 0, ispolling: false, isPullSend: true }),
              }),
            );
          });
          if (!answer || answer.status !== 0) return;
          const page = decodePayload('DownStreamMessages', answer.payload);
          for (const m of page.list) if (m.direction !== 1) this.o.onMessage(m.content);
          this.cursor = Math.max(this.cursor ?? 0, Number(page.syncTime));
          finished = page.finished === true;
        }
      } while (this.pullAgain);
    } finally {
      this.pulling = false;
    }
  }

  close() {
    this.ws?.terminate();
  }
}
