// Client of RabbitMQ with amqplib (AMQP 0-9-1), used as a durable peer: every user has a durable
// queue `u.<userId>`, messages are persistent (deliveryMode 2) and published on a confirm channel,
// so a send counts as acked only once the broker confirms it (RabbitMQ confirms a persistent
// message to a durable queue after writing it to disk). A group is a durable fanout exchange
// `g.<groupId>` bound to each member's queue. Consumers ack each message by hand.
// "Connected" means handshake + channel + queue declared + consumer registered: reachable, as a
// Parley session is after CONNACK.
import amqp from 'amqplib';

const CONNECT_TIMEOUT_MS = 15_000;
/** Unacked deliveries the broker may push to one consumer before it waits for acks. */
const PREFETCH = 100;

export const inboxQueue = (/** @type {string} */ userId) => `u.${userId}`;
export const groupExchange = (/** @type {string} */ groupId) => `g.${groupId}`;

export class AmqpClient {
  /**
   * @param {{host: string, port: number, userId: string, localAddress?: string,
   *          onMessage: (content: string) => void, onClose: (client: AmqpClient) => void}} o
   */
  constructor(o) {
    this.o = o;
    /** @type {import('amqplib').ChannelModel | undefined} */
    this.conn = undefined;
    /** @type {import('amqplib').ConfirmChannel | undefined} */
    this.ch = undefined;
    this.connected = false;
  }

  async connect() {
    const { host, port, localAddress } = this.o;
    const conn = await amqp.connect(
      { protocol: 'amqp', hostname: host, port, username: 'guest', password: 'guest', heartbeat: 0 },
      // The socket options go to net.connect (amqplib's types list only the TLS ones).
      /** @type {import('amqplib').SocketOptions} */ ({ localAddress, noDelay: true, timeout: CONNECT_TIMEOUT_MS }),
    );
    this.conn = conn;
    // Errors surface as 'close' too; without a listener an 'error' event would end the worker.
    conn.on('error', () => {});
    try {
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => {});
      await ch.prefetch(PREFETCH);
      const queue = inboxQueue(this.o.userId);
      await ch.assertQueue(queue, { durable: true });
      await ch.consume(queue, (msg) => {
        if (!msg) return;
        this.o.onMessage(msg.content.toString());
        ch.ack(msg);
      });
      this.ch = ch;
    } catch (e) {
      await conn.close().catch(() => {});
      throw e;
    }
    this.connected = true;
    conn.on('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      if (wasConnected) this.o.onClose(this);
    });
  }

  /** @param {'user' | 'group'} kind @param {string} to @param {string} content */
  send(kind, to, content) {
    const ch = this.ch;
    if (!ch || !this.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      const [exchange, key] = kind === 'group' ? [groupExchange(to), ''] : ['', inboxQueue(to)];
      try {
        ch.publish(exchange, key, Buffer.from(content), { persistent: true }, (err) => resolve(!err));
      } catch {
        resolve(false);
      }
    });
  }

  /** Binds this user's queue to the group's fanout exchange (declared by whoever joins first). */
  async join(/** @type {string} */ group) {
    const ch = this.ch;
    if (!ch || !this.connected) return false;
    try {
      await ch.assertExchange(groupExchange(group), 'fanout', { durable: true });
      await ch.bindQueue(inboxQueue(this.o.userId), groupExchange(group), '');
      return true;
    } catch {
      return false;
    }
  }

  close() {
    this.connected = false;
    this.conn?.close().catch(() => {});
  }
}
