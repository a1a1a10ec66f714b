// A load-generator process. The runner forks several (each stays far below the 20,000 open files a
// process may hold) and drives them over IPC. Every loop here is bounded in count and time.
import { Hist, now, sleep } from '../lib/stats.mjs';
import { AmqpClient } from './protocols/amqp.mjs';
import { JetStreamClient } from './protocols/jetstream.mjs';
import { MqttClient } from './protocols/mqtt.mjs';
import { nativeLink, ParleyClient, webSocketLink } from './protocols/parley.mjs';
import { SocketIoClient } from './protocols/socketio.mjs';
import { WsClient } from './protocols/ws.mjs';

/** @typedef {{id: number, userId: string, token?: string, localAddress?: string, url?: string, deviceId?: string, clientId?: string, clean?: boolean, subscribeInbox?: boolean}} ClientSpec */

/** @type {Map<number, any>} */
const clients = new Map();
/** @type {any} */
let endpoint;
let protocol = '';

// What arrives: counted under the current tag (anything else is "stale"). Latency is recorded for
// messages sent within [from, to]; `inWindow` counts arrivals within [from, to] (delivered rate).
const recorder = {
  tag: '',
  from: 0,
  to: Infinity,
  hist: new Hist(),
  count: 0,
  inWindow: 0,
  stale: 0,
  first: 0,
  last: 0,
  /** @type {string[] | undefined} */
  keys: undefined,
};

/** @param {string} content */
function onMessage(content) {
  let m;
  try {
    m = JSON.parse(content);
  } catch {
    recorder.stale++;
    return;
  }
  if (m.g !== recorder.tag || recorder.tag === '') {
    recorder.stale++;
    return;
  }
  const t = now();
  recorder.count++;
  if (m.t >= recorder.from && m.t <= recorder.to) recorder.hist.record(t - m.t);
  if (t >= recorder.from && t <= recorder.to) recorder.inWindow++;
  if (recorder.first === 0) recorder.first = t;
  recorder.last = t;
  recorder.keys?.push(m.k);
}

// Reconnection after the server drops a client (reconnect storm), on @parley/client's schedule
// (packages/client/src/connection/backoff.ts): 0.05, 0.25, 0.5, 1, 2, 4, 8, 16, 32 s, then 64 s,
// each ±20% jitter. Every client of every system reconnects on this same schedule.
const SCHEDULE_MS = [50, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000];
const backoffDelay = (/** @type {number} */ attempt) => (SCHEDULE_MS[attempt] ?? 64_000) * (0.8 + 0.4 * Math.random());

const reconnect = {
  on: false,
  lostAt: 0,
  /** @type {Map<number, number>} client id → time it was back */
  backAt: new Map(),
  attempts: 0,
  failures: /** @type {Record<string, number>} */ ({}),
  down: 0,
};

/** @param {any} client */
function onClose(client) {
  if (!reconnect.on) return;
  reconnect.down++;
  if (reconnect.lostAt === 0) reconnect.lostAt = now();
  reconnect.backAt.delete(client.spec.id);
  void reconnectLoop(client);
}

/** @param {any} client */
async function reconnectLoop(client) {
  const deadline = now() + 180_000;
  for (let attempt = 0; reconnect.on && now() < deadline; attempt++) {
    await sleep(backoffDelay(attempt));
    if (!reconnect.on || client.connected) return;
    reconnect.attempts++;
    try {
      await client.connect();
      reconnect.backAt.set(client.spec.id, now());
      return;
    } catch (e) {
      const reason = String(/** @type {Error} */ (e).message ?? e).replace(/127\.0\.0\.1:\d+/, 'server').slice(0, 40);
      reconnect.failures[reason] = (reconnect.failures[reason] ?? 0) + 1;
    }
  }
}

/** @param {ClientSpec} spec */
function makeClient(spec) {
  const common = { userId: spec.userId, localAddress: spec.localAddress, onMessage, onClose };
  let client;
  switch (protocol) {
    case 'parley':
    case 'parley-native': {
      // A cluster gives each client its own node's gateway (spec.url).
      const link =
        protocol === 'parley'
          ? webSocketLink({ url: spec.url ?? endpoint.url, localAddress: spec.localAddress })
          : nativeLink({ host: endpoint.host, port: endpoint.nativePort, localAddress: spec.localAddress });
      client = new ParleyClient({ ...common, link, appKey: endpoint.appKey, token: /** @type {string} */ (spec.token), deviceId: spec.deviceId ?? `bench-${spec.userId}` });
      break;
    }
    case 'ws':
      client = new WsClient({ ...common, url: endpoint.url, token: /** @type {string} */ (spec.token) });
      break;
    case 'socketio':
      client = new SocketIoClient({ ...common, url: endpoint.url, token: /** @type {string} */ (spec.token) });
      break;
    case 'mqtt':
      client = new MqttClient({ ...common, host: endpoint.host, port: endpoint.port, clientId: spec.clientId, clean: spec.clean, subscribeInbox: spec.subscribeInbox });
      break;
    case 'amqp':
      client = new AmqpClient({ ...common, host: endpoint.host, port: endpoint.port });
      break;
    case 'jetstream':
      client = new JetStreamClient({ ...common, host: endpoint.host, port: endpoint.port });
      break;
    default:
      throw new Error(`unknown protocol ${protocol}`);
  }
  client.spec = spec;
  if (/** @type {any} */ (spec).cursor !== undefined) client.cursor = /** @type {any} */ (spec).cursor;
  return client;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool(items, limit, fn) {
  let i = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  });
  await Promise.all(lanes);
}

const handlers = {
  /** @param {{protocol: string, endpoint: any, clients: ClientSpec[]}} a */
  async setup(a) {
    protocol = a.protocol;
    endpoint = a.endpoint;
    for (const spec of a.clients) clients.set(spec.id, makeClient(spec));
    return { clients: clients.size };
  },

  /** Connects the given clients (or all) with bounded concurrency, from `startAt` on. */
  async connect(/** @type {{ids?: number[], concurrency: number, startAt?: number, retries?: number}} */ a) {
    const targets = (a.ids ?? [...clients.keys()]).map((id) => clients.get(id));
    if (a.startAt) await sleep(Math.max(0, a.startAt - now()));
    const hist = new Hist();
    const t0 = now();
    let t1 = t0;
    let ok = 0;
    /** @type {Record<string, number>} */
    const errors = {};
    await pool(targets, a.concurrency, async (client) => {
      for (let attempt = 0; attempt <= (a.retries ?? 0); attempt++) {
        const start = now();
        try {
          await client.connect();
          const end = now();
          hist.record(end - start);
          if (end > t1) t1 = end;
          ok++;
          return;
        } catch (e) {
          const reason = String(/** @type {Error} */ (e).message ?? e).slice(0, 40);
          errors[reason] = (errors[reason] ?? 0) + 1;
          if (attempt < (a.retries ?? 0)) await sleep(200 + Math.random() * 800);
        }
      }
    });
    return { ok, failed: targets.length - ok, errors, t0, t1, hist: hist.toJSON() };
  },

  /** Peers' group membership is made by the clients themselves. */
  async join(/** @type {{memberships: [number, string][]}} */ a) {
    let ok = 0;
    await pool(a.memberships, 200, async ([id, group]) => {
      if (await clients.get(id).join(group)) ok++;
    });
    return { ok };
  },

  /** Parley chatrooms: each client joins the room itself (joinChrm) and takes its cursor. */
  async joinRoom(/** @type {{ids: number[], roomId: string, concurrency: number}} */ a) {
    let ok = 0;
    await pool(a.ids, a.concurrency, async (id) => {
      if (await clients.get(id).joinRoom(a.roomId)) ok++;
    });
    return { ok };
  },

  async record(/** @type {{tag: string, keys?: boolean, from?: number, to?: number}} */ a) {
    Object.assign(recorder, { tag: a.tag, from: a.from ?? 0, to: a.to ?? Infinity, hist: new Hist(), count: 0, inWindow: 0, stale: 0, first: 0, last: 0, keys: a.keys ? [] : undefined });
    return {};
  },

  async collect() {
    const r = recorder;
    return { tag: r.tag, count: r.count, inWindow: r.inWindow, stale: r.stale, first: r.first, last: r.last, hist: r.hist.toJSON(), keys: r.keys };
  },

  /** Waits (bounded) until `count` tagged messages arrived here, or none came for `quietMs`. */
  async waitCount(/** @type {{count: number, timeoutMs: number, quietMs?: number}} */ a) {
    const deadline = now() + a.timeoutMs;
    let seen = recorder.count;
    let quietSince = now();
    while (recorder.count < a.count && now() < deadline) {
      await sleep(5);
      if (recorder.count !== seen) {
        seen = recorder.count;
        quietSince = now();
      } else if (a.quietMs && now() - quietSince > a.quietMs) break;
    }
    return { count: recorder.count, last: recorder.last, first: recorder.first };
  },

  /**
   * Offline sync: connects one client and times it until `expect` messages arrived (or it went quiet).
   * @param {{id: number, expect: number, timeoutMs: number, quietMs: number}} a
   */
  async syncTimed(a) {
    const client = clients.get(a.id);
    const start = now();
    await client.connect();
    const connectedAt = now();
    const r = await handlers.waitCount({ count: a.expect, timeoutMs: a.timeoutMs, quietMs: a.quietMs });
    return { start, connectedAt, last: r.last, first: r.first, count: r.count, keys: recorder.keys };
  },

  /**
   * Open-loop load: `rate` messages/s spread over `senders` for `durationMs`, ticking every 5 ms.
   * A sender with `maxOutstanding` unacked sends skips its turn (counted as shed), so an overloaded
   * server gets no more than it can take and the loop stays bounded.
   * @param {{tag: string, senders: [number, 'user'|'group'|'chatroom', string][], rate: number, durationMs: number, maxOutstanding: number, keys?: boolean, startAt?: number}} a
   */
  async load(a) {
    if (a.startAt) await sleep(Math.max(0, a.startAt - now()));
    const senders = a.senders.map(([id, kind, to]) => ({ client: clients.get(id), kind, to, outstanding: 0, n: 0 }));
    const ackHist = new Hist();
    let offered = 0;
    let sent = 0;
    let acked = 0;
    let refused = 0;
    let shed = 0;
    /** @type {string[]} */
    const ackedKeys = [];
    const t0 = now();
    const end = t0 + a.durationMs;
    let next = 0;
    /** @type {Set<Promise<unknown>>} */
    const inflight = new Set();
    while (now() < end) {
      const due = Math.floor(((now() - t0) / 1000) * a.rate) - offered;
      for (let i = 0; i < due; i++) {
        offered++;
        const s = senders[next];
        next = (next + 1) % senders.length;
        if (!s.client.connected || s.outstanding >= a.maxOutstanding) {
          shed++;
          continue;
        }
        s.outstanding++;
        sent++;
        const k = `${s.client.spec.userId}:${++s.n}`;
        const t = now();
        const p = s.client.send(s.kind, s.to, JSON.stringify({ content: 'bench message 0123456789', t, k, g: a.tag })).then((ok) => {
          s.outstanding--;
          if (ok) {
            acked++;
            ackHist.record(now() - t);
            if (a.keys) ackedKeys.push(k);
          } else refused++;
          inflight.delete(p);
        });
        inflight.add(p);
      }
      await sleep(5);
    }
    // Bounded wait for the last acks.
    await Promise.race([Promise.all(inflight), sleep(5000)]);
    return { offered, sent, acked, refused, shed, unacked: inflight.size, t0, t1: now(), ackHist: ackHist.toJSON(), ackedKeys: a.keys ? ackedKeys : undefined };
  },

  /**
   * Closed-loop bursts: each sender sends `count` messages with at most `window` unacked.
   * @param {{tag: string, senders: [number, 'user'|'group', string, number][], window: number, timeoutMs: number}} a
   */
  async burst(a) {
    const ackHist = new Hist();
    let sent = 0;
    let acked = 0;
    const t0 = now();
    const deadline = t0 + a.timeoutMs;
    await Promise.all(
      a.senders.map(async ([id, kind, to, count]) => {
        const client = clients.get(id);
        let n = 0;
        await pool(Array.from({ length: count }), a.window, async () => {
          if (now() > deadline || !client.connected) return;
          const t = now();
          sent++;
          const k = `${client.spec.userId}:${++n}`;
          if (await client.send(kind, to, JSON.stringify({ content: 'bench message 0123456789', t, k, g: a.tag }))) {
            acked++;
            ackHist.record(now() - t);
          }
        });
      }),
    );
    return { sent, acked, t0, t1: now(), ackHist: ackHist.toJSON() };
  },

  async reconnectOn() {
    Object.assign(reconnect, { on: true, lostAt: 0, backAt: new Map(), attempts: 0, failures: {}, down: 0 });
    return {};
  },

  async reconnectStats() {
    let last = 0;
    for (const t of reconnect.backAt.values()) if (t > last) last = t;
    let connected = 0;
    for (const c of clients.values()) if (c.connected) connected++;
    return { down: reconnect.down, back: reconnect.backAt.size, connected, total: clients.size, lostAt: reconnect.lostAt, lastBackAt: last, attempts: reconnect.attempts, failures: reconnect.failures };
  },

  async reconnectOff() {
    reconnect.on = false;
    return {};
  },

  /** Sets (or reads) Parley clients' inbox cursors. */
  async cursor(/** @type {{ids: number[], value?: number}} */ a) {
    const out = [];
    for (const id of a.ids) {
      const c = clients.get(id);
      if (a.value !== undefined) c.cursor = a.value;
      out.push(c.cursor);
    }
    return { cursors: out };
  },

  async connectedCount() {
    let connected = 0;
    for (const c of clients.values()) if (c.connected) connected++;
    return { connected, total: clients.size };
  },

  async closeAll(/** @type {{ids?: number[]}} */ a) {
    reconnect.on = false;
    const targets = a.ids ? a.ids.map((id) => clients.get(id)) : [...clients.values()];
    for (const c of targets) c.close();
    const deadline = now() + 10_000;
    while (targets.some((c) => c.connected) && now() < deadline) await sleep(50);
    if (!a.ids) clients.clear();
    else for (const id of a.ids) clients.delete(id);
    return { left: clients.size };
  },

  async memory() {
    return process.memoryUsage();
  },
};

process.on('message', async (/** @type {any} */ m) => {
  try {
    const result = await /** @type {any} */ (handlers)[m.cmd](m.args ?? {});
    process.send?.({ id: m.id, ok: true, result });
  } catch (e) {
    process.send?.({ id: m.id, ok: false, error: String(/** @type {Error} */ (e)?.stack ?? e) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
