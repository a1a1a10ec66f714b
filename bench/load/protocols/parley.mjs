// A lean RMTP client for load: the frames Parley's own SDK sends, built on @parley/protocol.
// Connect: CONNECT frame (token inside, not in the URL) → CONNACK. Send: PUBLISH ppMsgP/pgMsgP qos 1
// → PUBACK (after the durable commit). Receive: s_ntf → QUERY pullMsg from the kept cursor, paging
// until `finished`, exactly like test/support/syncing-client.ts. Chatrooms: QUERY joinChrm, then
// PUBLISH chatMsg; an `s_ntf` of type 2 names the room, answered with chrmPull from the room's cursor.
// The session logic is one for both transports Parley serves, so their figures differ by the
// transport alone: WebSocket (`webSocketLink`, `ws`) or native TCP (`nativeLink`, RongCloud's C++
// stack's framing: check byte, XOR, signatures).
import { connect as tcpConnect } from 'node:net';
import {
  NativeDeframer,
  decodeNativeServerFrame,
  decodePayload,
  decodeServerFrame,
  encodeClientFrame,
  encodeNativeClientFrame,
  encodePayload,
} from '@parley/protocol';
import WebSocket from 'ws';

const CONNECT_TIMEOUT_MS = 15_000;
/** NotifyType.CHATROOM in @parley/protocol: an `s_ntf` that names a chatroom to pull. */
const CHATROOM_NOTICE = 2;
/** Pages one chatroom pull round takes at most (50 messages each), so the loop always ends. */
const MAX_ROOM_PAGES = 100;

/**
 * One connection attempt over one transport. It reports `open` once it can carry frames, every
 * server frame decoded, and its end (`error`, then `close`, as `ws` and `net` both do).
 * @typedef {{open(): void, frame(frame: any): void, error(e: Error): void, close(reason: string): void}} LinkEvents
 * @typedef {{keepAliveSeconds: number, clientId: string, appKey: string, token: string, isReconnect: boolean}} Credentials
 * @typedef {{connect(c: Credentials): void, send(frame: any): void, close(): void}} Link
 * @typedef {(on: LinkEvents) => Link} OpenLink
 */

/**
 * Parley's WebSocket endpoint, one frame per binary message.
 * @param {{url: string, localAddress?: string}} o
 * @returns {OpenLink}
 */
export function webSocketLink(o) {
  return (on) => {
    const ws = new WebSocket(`${o.url}/websocket`, { localAddress: o.localAddress, perMessageDeflate: false });
    ws.on('open', on.open);
    ws.on('error', on.error);
    ws.on('close', (code) => on.close(`closed ${code}`));
    ws.on('message', (/** @type {Buffer} */ data) => on.frame(decodeServerFrame(data)));
    const send = (/** @type {any} */ frame) => ws.send(encodeClientFrame(frame));
    return {
      connect: (c) => send({ type: 'CONNECT', ...c, platform: 'desktop', refuseIfTaken: false }),
      send,
      close: () => ws.terminate(),
    };
  };
}

/**
 * RMTP over TCP as the Electron SDK's native stack speaks it (PC platform, SDK 5.46.1).
 * @param {{host: string, port: number, localAddress?: string}} o
 * @returns {OpenLink}
 */
export function nativeLink(o) {
  return (on) => {
    const socket = tcpConnect({ host: o.host, port: o.port, localAddress: o.localAddress, noDelay: true });
    const deframer = new NativeDeframer();
    socket.on('connect', on.open);
    socket.on('error', on.error);
    socket.on('close', () => on.close('closed'));
    socket.on('data', (/** @type {Buffer} */ chunk) => {
      // A frame that does not decode means the stream lost its framing: nothing after it can be read.
      try {
        deframer.push(chunk);
        for (let wire = deframer.read(); wire !== undefined; wire = deframer.read()) on.frame(decodeNativeServerFrame(wire));
      } catch (e) {
        socket.destroy(/** @type {Error} */ (e));
      }
    });
    const send = (/** @type {any} */ frame) => socket.write(encodeNativeClientFrame(frame));
    return {
      connect: (c) =>
        send({
          type: 'CONNECT',
          ...c,
          // The stack sends the token without navigation's suffix, and has one flag bit for both: it
          // sets it on each automatic reconnect.
          token: c.token.replace(/@.*$/, '@'),
          refuseIfTaken: c.isReconnect,
          platform: 'desktop',
          willTopic: 'RongIMPCClient',
          willMessage: 'PC--5.46.1',
          sdkVersion: '5.46.1',
        }),
      send,
      close: () => socket.destroy(),
    };
  };
}

export class ParleyClient {
  /**
   * @param {{link: OpenLink, appKey: string, userId: string, token: string, deviceId: string,
   *          onMessage: (content: string) => void, onClose: (client: ParleyClient) => void}} o
   */
  constructor(o) {
    this.o = o;
    /** @type {Link | undefined} */
    this.link = undefined;
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
    /** @type {Map<string, {cursor: number, noticed: number, pulling: boolean}>} joined chatrooms */
    this.rooms = new Map();
  }

  id() {
    const id = this.nextId;
    this.nextId = id >= 65_535 ? 1 : id + 1;
    return id;
  }

  /** Resolves once the CONNACK accepted the session (and, on a reconnect, the first pull started). */
  connect() {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new Error('timeout')), CONNECT_TIMEOUT_MS);
      const fail = (/** @type {Error} */ e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        link.close();
        reject(e);
      };
      const link = this.o.link({
        open: () =>
          link.connect({ keepAliveSeconds: 300, clientId: this.o.deviceId, appKey: this.o.appKey, token: this.o.token, isReconnect: this.cursor !== undefined }),
        error: fail,
        close: (reason) => {
          const wasConnected = this.connected;
          this.connected = false;
          for (const r of this.pendingSends.values()) r(false);
          this.pendingSends.clear();
          for (const r of this.pendingQueries.values()) r(undefined);
          this.pendingQueries.clear();
          fail(new Error(reason));
          if (wasConnected) this.o.onClose(this);
        },
        frame: (frame) => {
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
            case 'PUBLISH': {
              if (frame.topic !== 's_ntf') return;
              const notice = decodePayload('NotifyMsg', frame.payload);
              if (notice.type === CHATROOM_NOTICE && notice.chrmId) void this.pullRoom(notice.chrmId, Number(notice.time ?? 0));
              else void this.pull();
              return;
            }
            default:
              return;
          }
        },
      });
      this.link = link;
    });
  }

  /**
   * @param {'user' | 'group' | 'chatroom'} kind
   * @param {string} to
   * @param {string} content
   * @returns {Promise<boolean>} true once stored (PUBACK status 0)
   */
  send(kind, to, content) {
    const link = this.link;
    if (!link || !this.connected) return Promise.resolve(false);
    const messageId = this.id();
    return new Promise((resolve) => {
      this.pendingSends.set(messageId, resolve);
      link.send({
        type: 'PUBLISH',
        header: { qos: 1 },
        topic: kind === 'group' ? 'pgMsgP' : kind === 'chatroom' ? 'chatMsg' : 'ppMsgP',
        targetId: to,
        messageId,
        payload: encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content, clientUniqueId: this.nextUnique++ }),
      });
    });
  }

  /** Parley groups are made with the Server API, not by the clients. */
  async join() {}

  /**
   * One QUERY and its answer (undefined when the connection went first).
   * @param {string} topic @param {string} targetId @param {Uint8Array} payload @returns {Promise<any>}
   */
  query(topic, targetId, payload) {
    const link = this.link;
    if (!link || !this.connected) return Promise.resolve(undefined);
    const messageId = this.id();
    return new Promise((resolve) => {
      this.pendingQueries.set(messageId, resolve);
      link.send({ type: 'QUERY', topic, targetId, messageId, payload });
    });
  }

  /**
   * Joins a chatroom (creating it if missing) and takes its cursor with the SDK's first pull (no
   * old messages), so that only what is sent from now on arrives. @param {string} roomId
   */
  async joinRoom(roomId) {
    const joined = await this.query('joinChrm', roomId, encodePayload('ChrmInput', { nothing: 1 }));
    if (joined?.status !== 0) return false;
    const first = await this.query('chrmPull', roomId, encodePayload('ChrmPullMsg', { syncTime: 0, count: 0 }));
    if (first?.status !== 0) return false;
    this.rooms.set(roomId, { cursor: Number(decodePayload('ChrmDownStreamMessages', first.payload).syncTime), noticed: 0, pulling: false });
    return true;
  }

  /** Pulls a room until its cursor reaches the newest notice; one round at a time per room. */
  async pullRoom(/** @type {string} */ roomId, /** @type {number} */ time) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.noticed = Math.max(room.noticed, time);
    if (room.pulling) return;
    room.pulling = true;
    try {
      for (let page = 0; room.cursor < room.noticed && page < MAX_ROOM_PAGES; page++) {
        const answer = await this.query('chrmPull', roomId, encodePayload('ChrmPullMsg', { syncTime: room.cursor, count: 50 }));
        if (answer?.status !== 0) return;
        const out = decodePayload('ChrmDownStreamMessages', answer.payload);
        for (const bytes of out.list) this.o.onMessage(decodePayload('DownStreamMessage', bytes).content);
        const next = Number(out.syncTime);
        if (next <= room.cursor) return;
        room.cursor = next;
      }
    } finally {
      room.pulling = false;
    }
  }

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
          const link = this.link;
          if (!link || !this.connected) return;
          const messageId = this.id();
          const answer = await new Promise((resolve) => {
            this.pendingQueries.set(messageId, resolve);
            link.send({
              type: 'QUERY',
              topic: 'pullMsg',
              targetId: '',
              messageId,
              payload: encodePayload('SyncRequestMsg', { syncTime: this.cursor ?? 0, ispolling: false, isPullSend: true }),
            });
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
    this.link?.close();
  }
}
