import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AckStatus,
  ConnAckStatus,
  decodeClientFrame,
  encodePayload,
  FrameDecodeError,
  nextMessageId,
  NotifyType,
  PayloadDecodeError,
  Topic,
  splitTimestamp,
  type ClientFrame,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Bus, BusEvent, DropReason } from '../bus/bus.js';
import type { AppVerdict, SessionService } from '../core/sessions/session-service.js';
import { CloseCode, GatewayConnection, type BoundedFrame } from './connection.js';
import { handshakeFromConnectFrame, handshakeFromUrl, KEEPALIVE_BOUNDS_SECONDS, type Handshake } from './handshake.js';
import type { PublishHandler } from './messaging.js';
import type { QueryAnswer, QueryHandler } from './queries.js';
import { connAckStatusFor, disconnectStatusFor } from './refusal-status.js';

export const GATEWAY_PATH = '/websocket';

export interface GatewayOptions {
  /** Credentials must arrive within this time after the upgrade. */
  handshakeTimeoutMs: number;
  /** Largest frame accepted; a larger one closes the connection. */
  maxFrameBytes: number;
  /** Handshakes per second allowed from one IP address (a burst of twice that). */
  handshakesPerIpPerSecond: number;
  /** How often deadlines are checked. */
  sweepIntervalMs: number;
  /** The keepalive intervals a CONNECT frame may ask for. */
  keepAliveBoundsSeconds: { min: number; max: number };
}

export const defaultGatewayOptions: GatewayOptions = {
  handshakeTimeoutMs: 10_000,
  // A 128 KiB message content plus its envelope.
  maxFrameBytes: 256 * 1024,
  handshakesPerIpPerSecond: 200,
  sweepIntervalMs: 1000,
  keepAliveBoundsSeconds: KEEPALIVE_BOUNDS_SECONDS,
};

/** A client is dropped after this many keepalive intervals of silence. */
const SILENT_INTERVALS = 3;


/** Bytes a connection may have waiting to be sent before its queued queries and sends start. */
const RESUME_BELOW_BUFFERED_BYTES = 1024 * 1024;

export interface GatewayDeps {
  sessions: SessionService;
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  queries: Readonly<Record<string, QueryHandler>>;
  publishes: Readonly<Record<string, PublishHandler>>;
  now: () => number;
  /** The client's IP address as the handshake rate limit counts it. */
  clientAddress: (request: IncomingMessage) => string;
}

/**
 * The `/websocket` edge: upgrade, handshake (URL query or CONNECT frame), CONNACK, keepalive and
 * frame dispatch. Rules live in core; this class only moves frames and keeps connections tidy.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<GatewayConnection>();
  private readonly bySession = new Map<string, GatewayConnection>();
  /** This node's connections per user: bus events are answered from here, with no presence round trip. */
  private readonly byUser = new Map<string, Set<GatewayConnection>>();
  /** This node's connections per App Key, so that a change to one app walks only its connections. */
  private readonly byApp = new Map<string, Set<GatewayConnection>>();
  /** Counts app checks, so that a connect admitted while one ran is checked again (see authenticate). */
  private appChecks = 0;
  private readonly sweeper: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly gauge: Gauge;
  private readonly connects: Counter<'result'>;
  private accepting = true;

  constructor(
    private readonly httpServer: Server,
    private readonly deps: GatewayDeps,
    private readonly options: GatewayOptions = defaultGatewayOptions,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.gauge = new Gauge({ name: 'parley_gateway_connections', help: 'Open gateway connections', registers: [deps.metrics] });
    this.connects = new Counter({
      name: 'parley_gateway_connects_total',
      help: 'Connect attempts by result (accepted or the refusal)',
      labelNames: ['result'],
      registers: [deps.metrics],
    });
    httpServer.on('upgrade', this.onUpgrade);
    this.unsubscribe = deps.bus.subscribe(this.onBusEvent);
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs);
    this.sweeper.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** Stops accepting and closes every connection as "going away", so clients reconnect elsewhere. */
  async close(): Promise<void> {
    this.accepting = false;
    this.httpServer.off('upgrade', this.onUpgrade);
    clearInterval(this.sweeper);
    this.unsubscribe();
    const released: Promise<void>[] = [];
    for (const connection of this.connections) {
      connection.socket.close(CloseCode.GOING_AWAY, 'server shutting down');
      released.push(this.release(connection));
    }
    await Promise.all(released);
    this.wss.close();
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (!this.accepting || url.pathname !== GATEWAY_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onOpen(ws, request, url));
  };

  private onOpen(ws: WebSocket, request: IncomingMessage, url: URL): void {
    const origin = request.headers.origin;
    const connection = new GatewayConnection(ws, this.deps.clientAddress(request), origin, this.deps.now());
    this.connections.add(connection);
    this.gauge.inc();
    ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary));
    ws.on('close', () => void this.release(connection));
    ws.on('error', () => ws.terminate());

    void this.deps.bus
      .takeToken(`handshake:${connection.ip}`, this.options.handshakesPerIpPerSecond, this.options.handshakesPerIpPerSecond * 2)
      .then((allowed) => {
        if (!allowed) {
          // SERVER_UNAVAILABLE is a status clients retry later, unlike a token or app refusal.
          this.connects.inc({ result: 'rate-limited' });
          connection.end(CloseCode.POLICY_VIOLATION, 'too many handshakes', { type: 'CONNACK', status: ConnAckStatus.SERVER_UNAVAILABLE });
          return;
        }
        const fromUrl = handshakeFromUrl(url.searchParams, origin);
        if (fromUrl) this.startAuthentication(connection, fromUrl);
      })
      .catch((err: unknown) => this.unavailable(connection, err));
  }

  /** Admission needs the store and the bus; when either is down, the client hears a retryable status. */
  private startAuthentication(connection: GatewayConnection, handshake: Handshake): void {
    this.authenticate(connection, handshake).catch((err: unknown) => this.unavailable(connection, err));
  }

  private unavailable(connection: GatewayConnection, err: unknown): void {
    this.deps.logger.warn({ err }, 'connect failed: a backing service is unavailable');
    this.connects.inc({ result: 'unavailable' });
    connection.end(CloseCode.NORMAL, 'service unavailable', { type: 'CONNACK', status: ConnAckStatus.SERVER_UNAVAILABLE });
  }

  private onMessage(connection: GatewayConnection, data: RawData, isBinary: boolean): void {
    connection.lastSeen = this.deps.now();
    if (!isBinary) {
      connection.end(CloseCode.UNSUPPORTED_DATA, 'binary frames only');
      return;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(data as Buffer);
    } catch (error) {
      if (!(error instanceof FrameDecodeError)) throw error;
      connection.end(CloseCode.PROTOCOL_ERROR, `malformed frame: ${error.reason}`);
      return;
    }
    if (connection.state === 'handshaking' && frame.type === 'CONNECT') {
      this.startAuthentication(connection, handshakeFromConnectFrame(frame, connection.origin, this.options.keepAliveBoundsSeconds));
    } else if (connection.state === 'open') {
      if (frame.type === 'QUERY' || frame.type === 'PUBLISH') this.dispatchBounded(connection, frame);
      else void this.handle(connection, frame);
    } else {
      connection.end(CloseCode.PROTOCOL_ERROR, `unexpected ${frame.type} before the handshake completed`);
    }
  }

  /** Queries and sends run within the connection's in-flight bounds (in-flight.ts). */
  private dispatchBounded(connection: GatewayConnection, frame: BoundedFrame): void {
    const bound = frame.type === 'QUERY' ? connection.queries : connection.publishes;
    const verdict = bound.offer(frame);
    if (verdict === 'refuse') this.answerTooFast(connection, frame);
    if (verdict !== 'run') return;
    const run = (next: BoundedFrame): void => {
      void this.handle(connection, next).finally(async () => {
        const waiting = bound.finished();
        if (!waiting) return;
        // A queued frame starts only once the answers before it are mostly on their way: a client
        // that asks faster than it reads is slowed down to its own pace instead of being cut off.
        await connection.drainedBelow(RESUME_BELOW_BUFFERED_BYTES);
        run(waiting);
      });
    };
    run(frame);
  }

  private answerTooFast(connection: GatewayConnection, frame: BoundedFrame): void {
    const { date, millis } = splitTimestamp(this.deps.now());
    const status = AckStatus.SEND_FREQUENCY_TOO_FAST;
    if (frame.type === 'QUERY') {
      connection.send({ type: 'QUERYACK', messageId: frame.messageId, date, status, payload: new Uint8Array(0) });
    } else {
      connection.send({ type: 'PUBACK', messageId: frame.messageId, date, millis, status, messageUId: '' });
    }
  }

  private handle(connection: GatewayConnection, frame: ClientFrame): Promise<void> {
    return this.dispatch(connection, frame).catch((error: unknown) => {
      this.deps.logger.error({ err: error, topic: 'topic' in frame ? frame.topic : undefined }, 'frame handling failed');
      connection.end(CloseCode.PROTOCOL_ERROR, 'internal error');
    });
  }

  private async authenticate(connection: GatewayConnection, handshake: Handshake): Promise<void> {
    connection.state = 'authenticating';
    const appChecksBefore = this.appChecks;
    const result = await this.deps.sessions.open(handshake.request);
    if (connection.state !== 'authenticating') {
      // The socket went away while admission ran: give the session back.
      if (result.ok) await this.deps.sessions.close(result.session.sessionId);
      return;
    }
    if (!result.ok) {
      this.connects.inc({ result: result.refusal });
      connection.end(CloseCode.NORMAL, result.refusal, { type: 'CONNACK', status: connAckStatusFor[result.refusal] });
      return;
    }
    const { session } = result;
    connection.session = session;
    connection.keyFingerprint = result.keyFingerprint;
    connection.keepAliveMs = handshake.keepAliveSeconds * 1000;
    connection.state = 'open';
    this.bySession.set(session.sessionId, connection);
    addTo(this.byUser, userKey(session.appKey, session.userId), connection);
    addTo(this.byApp, session.appKey, connection);
    this.connects.inc({ result: 'accepted' });
    connection.send({
      type: 'CONNACK',
      status: ConnAckStatus.ACCEPTED,
      session: { userId: session.userId, sessionId: session.sessionId, timestamp: session.connectedAt },
    });
    // Admission may have read the app before a check of it that this connection came too late for.
    if (this.appChecks !== appChecksBefore) {
      this.deps.sessions
        .appStanding(session.appKey)
        .then((verdict) => this.dropRefused([connection], verdict))
        .catch((err: unknown) => this.deps.logger.warn({ err, appKey: session.appKey }, 'could not re-check a session against its changed app'));
    }
  }

  private async dispatch(connection: GatewayConnection, frame: ClientFrame): Promise<void> {
    const session = connection.session;
    if (!session) return;
    switch (frame.type) {
      case 'PINGREQ':
        connection.send({ type: 'PINGRESP' });
        return;
      case 'QUERY': {
        const handler = this.deps.queries[frame.topic];
        const now = this.deps.now();
        let answer: QueryAnswer = { status: AckStatus.OPERATION_NOT_SUPPORTED };
        if (handler) {
          try {
            answer = await handler(frame.payload, { session, now });
          } catch (error) {
            if (!(error instanceof PayloadDecodeError)) throw error;
            answer = { status: AckStatus.PARAMETER_INVALID };
          }
        }
        connection.send({
          type: 'QUERYACK',
          messageId: frame.messageId,
          date: splitTimestamp(now).date,
          status: answer.status,
          payload: answer.payload ?? new Uint8Array(0),
        });
        if (answer.inboxCursor !== undefined) this.pulled(connection, answer.inboxCursor);
        return;
      }
      case 'PUBLISH': {
        const handler = this.deps.publishes[frame.topic];
        // Status messages (typing and the like) come with qos 0 and expect no answer.
        if (!handler && frame.header.qos === 0) return;
        const answer = handler
          ? await handler(frame, { session, now: this.deps.now() })
          : { status: AckStatus.OPERATION_NOT_SUPPORTED, messageUId: '', sentTime: this.deps.now() };
        const { date, millis } = splitTimestamp(answer.sentTime);
        connection.send({ type: 'PUBACK', messageId: frame.messageId, date, millis, status: answer.status, messageUId: answer.messageUId });
        return;
      }
      case 'DISCONNECT':
        connection.end(CloseCode.NORMAL, 'client disconnected');
        return;
      case 'PUBACK':
      case 'QUERYCON':
        return;
      case 'CONNECT':
        connection.end(CloseCode.PROTOCOL_ERROR, 'already connected');
        return;
    }
  }

  private readonly onBusEvent = (event: BusEvent): void => {
    switch (event.kind) {
      case 'drop-session': {
        const connection = this.bySession.get(event.sessionId);
        if (connection) this.drop(connection, event.reason);
        return;
      }
      case 'drop-user':
        for (const connection of this.localConnectionsOf(event.appKey, event.userId)) this.drop(connection, event.reason);
        return;
      case 'inbox':
        for (const notice of event.notices) {
          for (const connection of this.localConnectionsOf(event.appKey, notice.userId)) {
            if (connection.session?.sessionId !== event.exceptSessionId) this.notifyInbox(connection, notice.cursor);
          }
        }
        return;
      case 'app-changed':
        void this.appChanged(event.appKey).catch((err: unknown) => this.deps.logger.warn({ err, appKey: event.appKey }, 'could not re-check the sessions of a changed app'));
        return;
      case 'resync':
        void this.resync().catch((err: unknown) => this.deps.logger.warn({ err }, 'could not re-check sessions after a bus outage'));
        return;
    }
  };

  /**
   * The app changed (blocked, deleted, new secret): ends at once the local sessions it no longer
   * admits, each with a DISCONNECT that makes the client reconnect and hear why it is refused.
   */
  async appChanged(appKey: string): Promise<void> {
    const verdict = await this.deps.sessions.appStanding(appKey);
    // Counted once the fresh app is in hand: connects admitted from here on read it too.
    this.appChecks++;
    this.dropRefused(this.byApp.get(appKey) ?? [], verdict);
  }

  private dropRefused(connections: Iterable<GatewayConnection>, verdict: AppVerdict): void {
    for (const connection of [...connections]) {
      const reason = connection.state === 'open' ? verdict(connection.keyFingerprint) : undefined;
      if (reason) this.drop(connection, reason);
    }
  }

  /**
   * After the bus lost events: the sessions of apps blocked, deleted or given a new secret meanwhile
   * are dropped, every local device pulls, in case a notice was among them, and the users blocked
   * or deactivated meanwhile are dropped. One lookup at a time: this runs once per outage, and must
   * not flood the store the moment it is back.
   */
  private async resync(): Promise<void> {
    for (const appKey of [...this.byApp.keys()]) await this.appChanged(appKey);
    const now = this.deps.now();
    for (const connections of [...this.byUser.values()]) {
      const session = [...connections][0]?.session;
      if (!session) continue;
      for (const connection of connections) this.notifyInbox(connection, now);
      const reason = await this.deps.sessions.standing(session.appKey, session.userId);
      if (reason) for (const connection of this.localConnectionsOf(session.appKey, session.userId)) this.drop(connection, reason);
    }
  }

  private localConnectionsOf(appKey: string, userId: string): GatewayConnection[] {
    return [...(this.byUser.get(userKey(appKey, userId)) ?? [])];
  }

  /**
   * `s_ntf`: the client answers with a pullMsg from its own cursor, so a lost notice loses nothing.
   * While a notice waits for its pull, later ones are held and folded into one sent after the pull's
   * answer (and only if that answer did not already reach them): under load a client pulls batches
   * instead of answering every message with a round trip.
   */
  private notifyInbox(connection: GatewayConnection, cursor: number): void {
    if (connection.awaitingPull) {
      connection.heldCursor = Math.max(connection.heldCursor, cursor);
      return;
    }
    connection.awaitingPull = true;
    connection.lastPushId = nextMessageId(connection.lastPushId);
    connection.send({
      type: 'PUBLISH',
      topic: Topic.s_ntf,
      targetId: connection.session?.userId ?? '',
      messageId: connection.lastPushId,
      date: splitTimestamp(this.deps.now()).date,
      payload: encodePayload('NotifyMsg', { type: NotifyType.PULL_MESSAGES, time: cursor }),
    });
  }

  private pulled(connection: GatewayConnection, reached: number): void {
    connection.awaitingPull = false;
    const held = connection.heldCursor;
    connection.heldCursor = 0;
    if (held > reached) this.notifyInbox(connection, held);
  }

  private drop(connection: GatewayConnection, reason: DropReason): void {
    connection.end(CloseCode.NORMAL, reason, { type: 'DISCONNECT', status: disconnectStatusFor[reason] });
    void this.release(connection);
  }

  /** Forgets the connection and gives its session back; safe to call more than once. */
  private async release(connection: GatewayConnection): Promise<void> {
    if (connection.state === 'closed') return;
    connection.state = 'closed';
    this.connections.delete(connection);
    this.gauge.dec();
    const session = connection.session;
    if (session && this.bySession.get(session.sessionId) === connection) {
      this.bySession.delete(session.sessionId);
      removeFrom(this.byUser, userKey(session.appKey, session.userId), connection);
      removeFrom(this.byApp, session.appKey, connection);
      await this.deps.sessions.close(session.sessionId).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not release a session'));
    }
  }

  private sweep(): void {
    const now = this.deps.now();
    for (const connection of this.connections) {
      const waiting = connection.state === 'handshaking' || connection.state === 'authenticating';
      if (waiting && now - connection.openedAt > this.options.handshakeTimeoutMs) {
        connection.socket.terminate();
        void this.release(connection);
      } else if (connection.state === 'open' && now - connection.lastSeen > SILENT_INTERVALS * connection.keepAliveMs) {
        connection.socket.terminate();
        void this.release(connection);
      }
    }
  }
}

function userKey(appKey: string, userId: string): string {
  return `${appKey}\u0000${userId}`;
}

function addTo(index: Map<string, Set<GatewayConnection>>, key: string, connection: GatewayConnection): void {
  let connections = index.get(key);
  if (!connections) index.set(key, (connections = new Set()));
  connections.add(connection);
}

function removeFrom(index: Map<string, Set<GatewayConnection>>, key: string, connection: GatewayConnection): void {
  const connections = index.get(key);
  connections?.delete(connection);
  if (connections?.size === 0) index.delete(key);
}
