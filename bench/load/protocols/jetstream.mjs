// Client of NATS JetStream with nats.js, used as a durable peer. One file-storage stream holds
// every message: a user's inbox is the subject `u.<userId>`, a group `g.<groupId>`. A send is a
// JetStream publish, acked by the server once the message is stored. Each user has a durable push
// consumer filtered on its inbox (and one per group it joins), delivering to `d.<userId>.u` (and
// `d.<userId>.g.<groupId>`), with explicit acks: the consumer's position survives disconnects, as
// a device's inbox cursor does.
// Push rather than pull: the server sends each message as it is stored, without a pull request
// per batch, which is how a chat client would want its inbox (lowest latency, no polling).
// "Connected" means CONNECT + subscription + consumer created or bound: reachable.
// nats.js dials without a source address: all these sockets come from 127.0.0.1.
import { connect } from 'nats';

const CONNECT_TIMEOUT_MS = 15_000;
const PUBLISH_TIMEOUT_MS = 30_000;
const ACK = Buffer.from('+ACK');

export const STREAM = 'BENCH';
export const STREAM_SUBJECTS = ['u.*', 'g.*'];

/** A durable name may hold neither `.` nor wildcards; user and group ids here hold none. */
const inboxConsumer = (/** @type {string} */ userId) => `u-${userId}`;
const groupConsumer = (/** @type {string} */ groupId, /** @type {string} */ userId) => `g-${groupId}-${userId}`;

export class JetStreamClient {
  /**
   * @param {{host: string, port: number, userId: string,
   *          onMessage: (content: string) => void, onClose: (client: JetStreamClient) => void}} o
   */
  constructor(o) {
    this.o = o;
    /** @type {import('nats').NatsConnection | undefined} */
    this.nc = undefined;
    /** @type {import('nats').JetStreamClient | undefined} */
    this.js = undefined;
    /** @type {import('nats').JetStreamManager | undefined} */
    this.jsm = undefined;
    this.connected = false;
  }

  async connect() {
    const nc = await connect({ servers: `${this.o.host}:${this.o.port}`, reconnect: false, timeout: CONNECT_TIMEOUT_MS, pingInterval: 300_000 });
    this.nc = nc;
    try {
      this.jsm = await nc.jetstreamManager({ checkAPI: false });
      this.js = nc.jetstream({ timeout: PUBLISH_TIMEOUT_MS });
      await this.consume(inboxConsumer(this.o.userId), `u.${this.o.userId}`, 'u');
    } catch (e) {
      await nc.close().catch(() => {});
      throw e;
    }
    this.connected = true;
    void nc.closed().then(() => {
      const wasConnected = this.connected;
      this.connected = false;
      if (wasConnected) this.o.onClose(this);
    });
  }

  /**
   * Subscribes to the consumer's deliver subject, then creates the durable consumer (or binds to it
   * when it exists with the same configuration). One subscription per consumer, on its exact
   * subject: nats-server 2.9 counts only a literal subscription as interest in a push consumer.
   */
  async consume(/** @type {string} */ durable, /** @type {string} */ filter, /** @type {string} */ tail) {
    const nc = /** @type {import('nats').NatsConnection} */ (this.nc);
    const deliver = `d.${this.o.userId}.${tail}`;
    nc.subscribe(deliver, {
      callback: (err, m) => {
        if (err) return;
        this.o.onMessage(m.string());
        m.respond(ACK);
      },
    });
    await /** @type {any} */ (this.jsm).consumers.add(
      STREAM,
      { durable_name: durable, deliver_subject: deliver, filter_subject: filter, ack_policy: 'explicit', deliver_policy: 'all' },
      '',
    );
  }

  /** @param {'user' | 'group'} kind @param {string} to @param {string} content */
  send(kind, to, content) {
    const js = this.js;
    if (!js || !this.connected) return Promise.resolve(false);
    return js.publish(kind === 'group' ? `g.${to}` : `u.${to}`, Buffer.from(content)).then(
      () => true,
      () => false,
    );
  }

  /** A durable consumer of the group's subject for this member. */
  async join(/** @type {string} */ group) {
    if (!this.connected) return false;
    try {
      await this.consume(groupConsumer(group, this.o.userId), `g.${group}`, `g.${group}`);
      return true;
    } catch {
      return false;
    }
  }

  close() {
    this.connected = false;
    this.nc?.close().catch(() => {});
  }
}
