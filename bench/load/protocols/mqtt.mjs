// Client of Mosquitto with mqtt.js: MQTT 3.1.1, QoS 1. A user's inbox is the topic `u/<userId>`
// (subscribed at connect), a group is `g/<groupId>`. Mosquitto has no token check: connects are
// anonymous. "Connected" means CONNACK + SUBACK: reachable, as a Parley session is after CONNACK.
import { createConnection } from 'node:net';
import mqtt from 'mqtt';

const CONNECT_TIMEOUT_MS = 15_000;

export class MqttClient {
  /**
   * @param {{host: string, port: number, userId: string, localAddress?: string, clientId?: string, clean?: boolean,
   *          subscribeInbox?: boolean, onMessage: (content: string) => void, onClose: (client: MqttClient) => void}} o
   */
  constructor(o) {
    this.o = o;
    /** @type {import('mqtt').MqttClient | undefined} */
    this.client = undefined;
    this.connected = false;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const { host, port, localAddress } = this.o;
      const client = new mqtt.MqttClient(() => createConnection({ host, port, localAddress }), {
        clientId: this.o.clientId ?? `b-${this.o.userId}-${Math.random().toString(36).slice(2, 8)}`,
        clean: this.o.clean ?? true,
        keepalive: 300,
        reconnectPeriod: 0,
        connectTimeout: CONNECT_TIMEOUT_MS,
        protocolVersion: 4,
      });
      this.client = client;
      let settled = false;
      const fail = (/** @type {Error} */ e) => {
        if (settled) return;
        settled = true;
        client.end(true);
        reject(e);
      };
      client.on('connect', () => {
        const done = () => {
          settled = true;
          this.connected = true;
          resolve(undefined);
        };
        if (this.o.subscribeInbox === false) return done();
        client.subscribe(`u/${this.o.userId}`, { qos: 1 }, (err) => (err ? fail(err) : done()));
      });
      client.on('error', (e) => fail(e));
      client.on('close', () => {
        const wasConnected = this.connected;
        this.connected = false;
        fail(new Error('closed'));
        if (wasConnected) this.o.onClose(this);
      });
      client.on('message', (_topic, payload) => this.o.onMessage(payload.toString()));
    });
  }

  /** @param {'user' | 'group'} kind @param {string} to @param {string} content */
  send(kind, to, content) {
    const client = this.client;
    if (!client || !this.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      client.publish(kind === 'group' ? `g/${to}` : `u/${to}`, content, { qos: 1 }, (err) => resolve(!err));
    });
  }

  /** @param {string} group */
  join(group) {
    const client = this.client;
    if (!client || !this.connected) return Promise.resolve(false);
    return new Promise((resolve) => client.subscribe(`g/${group}`, { qos: 1 }, (err) => resolve(!err)));
  }

  close() {
    this.client?.end(true);
  }
}
