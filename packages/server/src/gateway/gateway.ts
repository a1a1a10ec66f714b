import {
  AckStatus,
  ConnAckStatus,
  encodePayload,
  nextMessageId,
  NotifyType,
  PayloadDecodeError,
  Topic,
  splitTimestamp,
  type ClientFrame,
  type NotifyMsg,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Bus, BusEvent, DropReason, LiveMessage } from '../bus/bus.js';
import type { AppVerdict, SessionService } from '../core/sessions/session-service.js';
import { GatewayConnection, type BoundedFrame } from './connection.js';
import { isOverdue, transition, type ConnectionEffect, type ConnectionEvent, type Credentials } from './connection-machine.js';
import { handshakeFromConnectFrame, KEEPALIVE_BOUNDS_SECONDS, type Handshake } from './handshake.js';
import { liveDownStream } from './down-stream.js';
import { statusPush } from './topics/online-status.js';
import type { PublishAnswer, PublishHandler, QueryAnswer, QueryHandler } from './topics/topic-handler.js';
import { connAckStatusFor, disconnectStatusFor } from './refusal-status.js';
import { SlicedQueue } from './sliced-queue.js';
import type { FrameTransport, TransportEvents } from './transport.js';
import { UnhandledTopics } from './unhandled-topics.js';

export interface GatewayOptions {
  /** Credentials must arrive within this time after the connection opens. */
  handshakeTimeoutMs: number;
  /** Largest frame accepted; a larger one closes the connection (each transport enforces it). */
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

/** Bytes a connection may have waiting to be sent before its queued queries and sends start. */
const RESUME_BELOW_BUFFERED_BYTES = 1024 * 1024;
/** How long an s_ntf may go unpulled before it is sent again (checked on the sweep). */
export const NOTICE_REPEAT_AFTER_MS = 3000;
/**
 * Users one chatroom push reaches before the rest wait for the next turn of the event loop: a room
 * of thousands would otherwise hold the loop (and every other connection's answers) for its whole
 * fan-out, a write per device.
 */
const ROOM_PUSH_SLICE = 500;
/**
 * Connections forgotten (or, at shutdown, closed) per turn of the event loop: thousands may end at
 * once, and cleaning each up where its end is heard would stall every other connection meanwhile.
 */
const CLOSE_SLICE = 100;

export interface GatewayDeps {
  sessions: SessionService;
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  queries: Readonly<Record<string, QueryHandler>>;
  publishes: Readonly<Record<string, PublishHandler>>;
  now: () => number;
}

/**
 * The connection core, whatever carries the frames (transport.ts: WebSocket, native TCP): handshake
 * and admission, CONNACK, dispatch, keepalive, and the registry of this node's sessions that bus
 * events are answered from. Each connection's lifecycle is connection-machine.ts; rules live in
 * core; this class carries out the machine's effects and keeps connections tidy.
 */
export class Gateway {
  private readonly connections = new Set<GatewayConnection>();
  private readonly bySession = new Map<string, GatewayConnection>();
  /** This node's connections per user: bus events are answered from here, with no presence round trip. */
  private readonly byUser = new Map<string, Set<GatewayConnection>>();
  /** This node's connections per App Key, so that a change to one app walks only its connections. */
  private readonly byApp = new Map<string, Set<GatewayConnection>>();
  /** Sessions being given back, so that close() can wait for them. */
  private readonly releasing = new Set<Promise<void>>();
  /** Ended connections waiting to be forgotten, a slice per turn (see CLOSE_SLICE). */
  private readonly releases = new SlicedQueue<GatewayConnection>(
    (connection) => this.forget(connection),
    (err) => this.deps.logger.error({ err }, 'could not forget a closed connection'),
    CLOSE_SLICE,
  );
  /** Counts app checks, so that a connect admitted while one ran is checked again (see authenticate). */
  private appChecks = 0;
  private readonly sweeper: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly gauge: Gauge;
  private readonly connects: Counter<'result'>;
  private readonly unhandled: UnhandledTopics;
  private accepting = true;
  /** The members a group message reaches mostly get its notice at the same cursor: encoded once. */
  private lastInboxNotice: { cursor: number; payload: Uint8Array } = { cursor: -1, payload: new Uint8Array(0) };

  constructor(
    private readonly deps: GatewayDeps,
    readonly options: GatewayOptions = defaultGatewayOptions,
  ) {
    this.gauge = new Gauge({ name: 'parley_gateway_connections', help: 'Open gateway connections', registers: [deps.metrics] });
    this.connects = new Counter({
      name: 'parley_gateway_connects_total',
      help: 'Connect attempts by result (accepted or the refusal)',
      labelNames: ['result'],
      registers: [deps.metrics],
    });
    this.unhandled = new UnhandledTopics(deps.metrics, deps.logger, deps.now);
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
    clearInterval(this.sweeper);
    this.unsubscribe();
    const shutdowns = new SlicedQueue<GatewayConnection>(
      (connection) => this.step(connection, { type: 'shutdown' }),
      (err) => this.deps.logger.error({ err }, 'could not close a connection at shutdown'),
      CLOSE_SLICE,
    );
    for (const connection of this.connections) shutdowns.push(connection);
    await shutdowns.drained();
    await this.releases.drained();
    await Promise.all([...this.releasing]);
  }

  /**
   * A transport opened a connection; the transport reports its frames and its end to what this
   * returns. `credentials` are the ones a WebSocket URL carried (the official Web SDK's way).
   */
  accept(transport: FrameTransport, credentials?: Handshake): TransportEvents {
    const connection = new GatewayConnection(transport, this.deps.now());
    const events: TransportEvents = {
      frame: (frame) => {
        connection.lastSeen = this.deps.now();
        this.step(connection, { type: 'frame', frame });
      },
      malformed: (reason, detail) => this.step(connection, { type: 'fault', reason, detail }),
      refused: (status, detail) => this.step(connection, { type: 'refused', status, detail }),
      closed: () => this.step(connection, { type: 'transport-closed' }),
    };
    if (!this.accepting) {
      transport.close('going-away', 'server shutting down');
      return { frame: () => undefined, malformed: () => undefined, refused: () => undefined, closed: () => undefined };
    }
    this.connections.add(connection);
    this.gauge.inc();
    if (credentials) this.step(connection, { type: 'credentials', credentials: { from: 'url', handshake: credentials } });
    const rate = this.options.handshakesPerIpPerSecond;
    void this.deps.bus
      .takeToken(`handshake:${transport.ip}`, rate, rate * 2)
      .then((allowed) => {
        if (allowed) {
          this.step(connection, { type: 'allowed', parked: connection.parked });
          connection.parked = undefined;
          return;
        }
        // SERVER_UNAVAILABLE is a status clients retry later, unlike a token or app refusal.
        this.connects.inc({ result: 'rate-limited' });
        this.step(connection, { type: 'refused', status: ConnAckStatus.SERVER_UNAVAILABLE, detail: 'too many handshakes', reason: 'policy-violation' });
      })
      .catch((err: unknown) => this.unavailable(connection, err));
    return events;
  }

  /** Feeds one event to the connection's machine and carries out what it decides. */
  private step(connection: GatewayConnection, event: ConnectionEvent): void {
    const { state, effects } = transition(connection.state, event);
    connection.state = state;
    for (const effect of effects) this.apply(connection, effect);
  }

  private apply(connection: GatewayConnection, effect: ConnectionEffect): void {
    switch (effect.type) {
      case 'park':
        connection.parked = effect.credentials;
        return;
      case 'authenticate':
        this.authenticate(connection, this.handshakeOf(connection, effect.credentials)).catch((err: unknown) => this.unavailable(connection, err));
        return;
      case 'dispatch':
        if (effect.frame.type === 'QUERY' || effect.frame.type === 'PUBLISH') this.dispatchBounded(connection, effect.frame);
        else void this.handle(connection, effect.frame);
        return;
      case 'register':
        this.register(connection);
        return;
      case 'give-back':
        if (connection.session) this.track(this.deps.sessions.close(connection.session));
        return;
      case 'send':
        connection.write(effect.frame);
        return;
      case 'close':
        connection.transport.close(effect.reason, effect.detail);
        return;
      case 'destroy':
        connection.transport.destroy();
        return;
      case 'release':
        this.release(connection);
        return;
    }
  }

  private handshakeOf(connection: GatewayConnection, credentials: Credentials): Handshake {
    if (credentials.from === 'url') return credentials.handshake;
    return handshakeFromConnectFrame(credentials.frame, connection.transport.origin, this.options.keepAliveBoundsSeconds);
  }

  /** Admission needs the store and the bus; when either is down, the client hears a retryable status. */
  private unavailable(connection: GatewayConnection, err: unknown): void {
    this.deps.logger.warn({ err }, 'connect failed: a backing service is unavailable');
    this.connects.inc({ result: 'unavailable' });
    this.step(connection, { type: 'refused', status: ConnAckStatus.SERVER_UNAVAILABLE, detail: 'service unavailable' });
  }

  private async authenticate(connection: GatewayConnection, handshake: Handshake): Promise<void> {
    const appChecksBefore = this.appChecks;
    const result = await this.deps.sessions.open(handshake.request);
    if (!result.ok) {
      this.connects.inc({ result: result.refusal });
      this.step(connection, { type: 'refused', status: connAckStatusFor[result.refusal], detail: result.refusal });
      return;
    }
    connection.session = result.session;
    connection.keyFingerprint = result.keyFingerprint;
    connection.keepAliveMs = handshake.keepAliveSeconds * 1000;
    connection.sdkVersion = handshake.sdkVersion;
    this.step(connection, { type: 'admitted' });
    // Admission may have read the app before a check of it that this connection came too late for.
    if (connection.state === 'open' && this.appChecks !== appChecksBefore) {
      const { appKey } = result.session;
      this.deps.sessions
        .appStanding(appKey)
        .then((verdict) => this.dropRefused([connection], verdict))
        .catch((err: unknown) => this.deps.logger.warn({ err, appKey }, 'could not re-check a session against its changed app'));
    }
  }

  private register(connection: GatewayConnection): void {
    const session = connection.session;
    if (!session) return;
    this.bySession.set(session.sessionId, connection);
    addTo(this.byUser, userKey(session.appKey, session.userId), connection);
    addTo(this.byApp, session.appKey, connection);
    this.connects.inc({ result: 'accepted' });
    connection.transport.opened?.();
    connection.send({
      type: 'CONNACK',
      status: ConnAckStatus.ACCEPTED,
      session: { userId: session.userId, sessionId: session.sessionId, timestamp: session.connectedAt },
    });
  }

  /** Queries and sends run within the connection's in-flight bounds (in-flight.ts). */
  private dispatchBounded(connection: GatewayConnection, frame: BoundedFrame): void {
    const bound = frame.type === 'QUERY' ? connection.queries : connection.publishes;
    const verdict = bound.offer(frame);
    if (verdict === 'refuse') this.answerTooFast(connection, frame);
    if (verdict !== 'run') return;
    const run = (next: BoundedFrame): void => {
      const handling = this.handle(connection, next);
      if (next.type === 'PUBLISH') {
        connection.sending.add(handling);
        void handling.finally(() => connection.sending.delete(handling));
      }
      void handling.finally(async () => {
        // A closed connection's queue is dropped: nobody is left to answer.
        if (connection.state === 'closed') bound.clear();
        const waiting = bound.finished();
        if (!waiting) return;
        // A queued frame starts only once the answers before it are mostly on their way: a client
        // that asks faster than it reads is slowed down to its own pace instead of being cut off.
        await connection.drainedBelow(RESUME_BELOW_BUFFERED_BYTES);
        if (connection.state !== 'closed') {
          run(waiting);
          return;
        }
        bound.clear();
        bound.finished();
      });
    };
    run(frame);
  }

  private answerTooFast(connection: GatewayConnection, frame: BoundedFrame): void {
    const { date, millis } = splitTimestamp(this.deps.now());
    const status = AckStatus.SEND_FREQUENCY_TOO_FAST;
    if (frame.type === 'QUERY') {
      connection.send({ type: 'QUERYACK', messageId: frame.messageId, date, status, payload: new Uint8Array(0) });
    } else if (frame.header.qos !== 0) {
      // A qos 0 PUBLISH (the native stack's status messages) expects no answer, refused or not.
      connection.send({ type: 'PUBACK', messageId: frame.messageId, date, millis, status, messageUId: '' });
    }
  }

  private handle(connection: GatewayConnection, frame: ClientFrame): Promise<void> {
    return this.dispatch(connection, frame).catch((error: unknown) => {
      this.deps.logger.error({ err: error, topic: 'topic' in frame ? frame.topic : undefined }, 'frame handling failed');
      this.step(connection, { type: 'fault', reason: 'protocol-error', detail: 'internal error' });
    });
  }

  private async dispatch(connection: GatewayConnection, frame: ClientFrame): Promise<void> {
    const session = connection.session;
    if (!session) return;
    const flavor = connection.transport.flavor;
    switch (frame.type) {
      case 'PINGREQ':
        connection.send({ type: 'PINGRESP' });
        return;
      case 'QUERY': {
        const handler = this.deps.queries[frame.topic];
        const now = this.deps.now();
        let answer: QueryAnswer = { status: AckStatus.OPERATION_NOT_SUPPORTED };
        if (!handler) this.unhandled.seen(frame.topic, connection.sdkVersion);
        if (handler) {
          try {
            answer = await handler(frame.payload, { session, now, flavor, sync: connection.sync, targetId: frame.targetId });
          } catch (error) {
            if (!(error instanceof PayloadDecodeError)) throw error;
            answer = { status: AckStatus.PARAMETER_INVALID };
          }
        }
        // A device's own sends come back in its pulls, and the Web SDK drops them there only once
        // their PUBACK has told it their UID: an answer read while sends were under way waits for
        // their acks rather than overtake them (later sends do not hold it).
        if (answer.inboxCursor !== undefined && connection.sending.size > 0) await Promise.all(connection.sending);
        connection.send({
          type: 'QUERYACK',
          messageId: frame.messageId,
          date: splitTimestamp(now).date,
          status: answer.status,
          payload: answer.payload ?? new Uint8Array(0),
        });
        if (answer.inboxCursor !== undefined) this.pulled(connection, answer.inboxCursor);
        if (answer.roomCursor !== undefined) this.roomPulled(connection, answer.roomCursor.roomId, answer.roomCursor.syncTime);
        return;
      }
      case 'PUBLISH': {
        const handler = this.deps.publishes[frame.topic];
        const now = this.deps.now();
        let answer: PublishAnswer = { status: AckStatus.OPERATION_NOT_SUPPORTED, messageUId: '', sentTime: now };
        if (!handler) this.unhandled.seen(frame.topic, connection.sdkVersion);
        if (handler) {
          try {
            answer = await handler(frame, { session, now, flavor, sync: connection.sync, targetId: frame.targetId });
          } catch (error) {
            if (!(error instanceof PayloadDecodeError)) throw error;
            answer = { status: AckStatus.PARAMETER_INVALID, messageUId: '', sentTime: now };
          }
        }
        // Status messages (typing and the like) come with qos 0 from the native stack, which expects no answer.
        if (frame.header.qos === 0) return;
        const { date, millis } = splitTimestamp(answer.sentTime);
        connection.send({ type: 'PUBACK', messageId: frame.messageId, date, millis, status: answer.status, messageUId: answer.messageUId });
        return;
      }
      // The machine ends the connection on these two; PUBACK and QUERYCON need no answer.
      case 'DISCONNECT':
      case 'CONNECT':
      case 'PUBACK':
      case 'QUERYCON':
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
      case 'command':
        for (const userId of event.userIds) {
          for (const connection of this.localConnectionsOf(event.appKey, userId)) {
            if (connection.session?.sessionId !== event.exceptSessionId) this.push(connection, Topic.s_cmd, encodePayload('NotifyMsg', { type: event.notifyType, time: event.time }));
          }
        }
        return;
      case 'live-message':
        this.pushLive(event.appKey, event.userIds, event.message, event.exceptSessionId);
        return;
      case 'user-status': {
        const payload = statusPush(event.status);
        for (const userId of event.userIds) {
          for (const connection of this.localConnectionsOf(event.appKey, userId)) this.push(connection, Topic.s_stat, payload);
        }
        return;
      }
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
    if (connection.awaitingPullSince !== undefined) {
      connection.heldCursor = Math.max(connection.heldCursor, cursor);
      return;
    }
    connection.awaitingPullSince = this.deps.now();
    connection.noticedCursor = cursor;
    if (this.lastInboxNotice.cursor !== cursor) this.lastInboxNotice = { cursor, payload: encodePayload('NotifyMsg', { type: NotifyType.PULL_MESSAGES, time: cursor }) };
    this.push(connection, Topic.s_ntf, this.lastInboxNotice.payload);
  }

  /**
   * A chatroom notice (core/chatrooms/chatroom-service.ts) to this node's devices of these users.
   * A room's message notices are held like inbox ones: while one awaits its chrmPull, later ones fold
   * into one sent after the pull's answer if it did not reach them, so a busy room costs each member
   * a pull per round trip rather than a notice and a pull per message.
   */
  pushNotice(appKey: string, userIds: readonly string[], topic: string, notice: NotifyMsg, exceptSessionId?: string): void {
    const roomId = topic === Topic.s_ntf && notice.type === NotifyType.CHATROOM ? notice.chrmId : undefined;
    const payload = encodePayload('NotifyMsg', notice);
    this.inSlices(appKey, userIds, exceptSessionId, (connection) => {
      if (roomId === undefined) this.push(connection, topic, payload);
      else this.notifyRoom(connection, roomId, notice.time ?? 0, this.deps.now(), payload);
    });
  }

  /** Runs `each` for the local devices of `userIds` (but one), ROOM_PUSH_SLICE users a turn. */
  private inSlices(appKey: string, userIds: readonly string[], exceptSessionId: string | undefined, each: (connection: GatewayConnection) => void, from = 0): void {
    const end = Math.min(userIds.length, from + ROOM_PUSH_SLICE);
    for (let i = from; i < end; i++) {
      for (const connection of this.byUser.get(userKey(appKey, userIds[i]!)) ?? []) {
        if (connection.session?.sessionId !== exceptSessionId) each(connection);
      }
    }
    if (end < userIds.length) setImmediate(() => this.inSlices(appKey, userIds, exceptSessionId, each, end));
  }

  private notifyRoom(connection: GatewayConnection, roomId: string, time: number, now: number, payload?: Uint8Array, repeated = false): void {
    const waiting = connection.roomNotices.get(roomId);
    if (waiting) {
      waiting.held = Math.max(waiting.held, time);
      return;
    }
    connection.roomNotices.set(roomId, { since: now, noticed: time, held: 0, repeated });
    this.push(connection, Topic.s_ntf, payload ?? encodePayload('NotifyMsg', { type: NotifyType.CHATROOM, time, chrmId: roomId }));
  }

  private roomPulled(connection: GatewayConnection, roomId: string, reached: number): void {
    const waiting = connection.roomNotices.get(roomId);
    if (!waiting) return;
    connection.roomNotices.delete(roomId);
    const newest = Math.max(waiting.noticed, waiting.held);
    if (newest > reached) this.notifyRoom(connection, roomId, newest, this.deps.now());
  }

  /**
   * A room notice left unpulled is sent once more, as inbox ones are; one left unpulled again is
   * dropped (the device may have left the room), and the next message notices it afresh.
   */
  private renotifyRooms(connection: GatewayConnection, now: number): void {
    for (const [roomId, waiting] of connection.roomNotices) {
      if (now - waiting.since < NOTICE_REPEAT_AFTER_MS) continue;
      connection.roomNotices.delete(roomId);
      if (!waiting.repeated) this.notifyRoom(connection, roomId, Math.max(waiting.noticed, waiting.held), now, undefined, true);
    }
  }

  /** A live message (`s_msg`, never stored) to this node's devices of these users. */
  pushLive(appKey: string, userIds: readonly string[], message: LiveMessage, exceptSessionId?: string): void {
    // One encoding per flavor, not per device.
    const encoded = new Map<string, Uint8Array>();
    this.inSlices(appKey, userIds, exceptSessionId, (connection) => {
      const flavor = connection.transport.flavor;
      let payload = encoded.get(flavor);
      if (!payload) encoded.set(flavor, (payload = encodePayload('DownStreamMessage', liveDownStream(message, flavor))));
      this.push(connection, Topic.s_msg, payload);
    });
  }

  /** A server PUBLISH (qos 0: nothing answers it) to the connection's user. */
  private push(connection: GatewayConnection, topic: string, payload: Uint8Array): void {
    connection.lastPushId = nextMessageId(connection.lastPushId);
    connection.send({
      type: 'PUBLISH',
      topic,
      targetId: connection.session?.userId ?? '',
      messageId: connection.lastPushId,
      date: splitTimestamp(this.deps.now()).date,
      payload,
    });
  }

  private pulled(connection: GatewayConnection, reached: number): void {
    connection.awaitingPullSince = undefined;
    const held = connection.heldCursor;
    connection.heldCursor = 0;
    if (held > reached) this.notifyInbox(connection, held);
  }

  /**
   * The SDKs may pass over an s_ntf that comes while they are busy with another sync (the native
   * stack does during its unread sync at connect), and then pull again only on their own slow timer:
   * a notice left unpulled is sent again rather than holding the ones after it for good.
   */
  private renotifyUnpulled(connection: GatewayConnection, now: number): void {
    const since = connection.awaitingPullSince;
    if (since === undefined || now - since < NOTICE_REPEAT_AFTER_MS) return;
    connection.awaitingPullSince = undefined;
    const cursor = Math.max(connection.noticedCursor, connection.heldCursor);
    connection.heldCursor = 0;
    this.notifyInbox(connection, cursor);
  }

  private drop(connection: GatewayConnection, reason: DropReason): void {
    this.step(connection, { type: 'dropped', status: disconnectStatusFor[reason], detail: reason });
  }

  /**
   * The machine asks for this once per connection, once it is closed: nothing is sent on it any
   * more, so forgetting it and giving its session back can wait for its turn.
   */
  private release(connection: GatewayConnection): void {
    this.releases.push(connection);
  }

  /** Forgets the connection and gives its session back. */
  private forget(connection: GatewayConnection): void {
    this.connections.delete(connection);
    this.gauge.dec();
    const session = connection.session;
    if (session && this.bySession.get(session.sessionId) === connection) {
      this.bySession.delete(session.sessionId);
      removeFrom(this.byUser, userKey(session.appKey, session.userId), connection);
      removeFrom(this.byApp, session.appKey, connection);
      this.track(this.deps.sessions.close(session));
    }
  }

  /** Keeps a session's release until it settles, so close() can wait for it; a failure is logged. */
  private track(release: Promise<void>): void {
    const tracked = release
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'could not release a session'))
      .finally(() => this.releasing.delete(tracked));
    this.releasing.add(tracked);
  }

  private sweep(): void {
    const now = this.deps.now();
    for (const connection of [...this.connections]) {
      if (isOverdue(connection.state, connection, now, this.options.handshakeTimeoutMs)) this.step(connection, { type: 'overdue' });
      else {
        this.renotifyUnpulled(connection, now);
        if (connection.roomNotices.size > 0) this.renotifyRooms(connection, now);
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
