import { decodePayload, encodePayload, type DownStreamMessage } from '@parley/protocol';
import { RawClient } from './raw-client.js';

/**
 * A minimal client that syncs its inbox the way the SDKs do: pull from its cursor at connect and
 * after every s_ntf, page until `finished`, keep the cursor across reconnects. Records every
 * message it is handed, so tests can count deliveries.
 */
export class SyncingClient {
  cursor = 0;
  readonly received: DownStreamMessage[] = [];
  private raw: RawClient | undefined;
  private nextId = 1;
  private pulling = false;
  private pullAgain = false;

  constructor(
    private readonly baseUrl: () => string,
    private readonly appKey: string,
    private readonly token: string,
    private readonly deviceId: string,
  ) {}

  async connect(): Promise<void> {
    const raw = await RawClient.open(this.baseUrl());
    this.raw = raw;
    const ack = await raw.connect(this.appKey, this.token, { platform: 'desktop', deviceId: this.deviceId });
    if (ack.type !== 'CONNACK' || ack.status !== 0) throw new Error(`connect refused: ${JSON.stringify(ack)}`);
    raw.socket.on('message', () => {
      const last = raw.frames.at(-1);
      if (last?.type === 'PUBLISH' && last.topic === 's_ntf') void this.pull();
    });
    await this.pull();
  }

  disconnect(): void {
    this.raw?.close();
    this.raw = undefined;
  }

  /** Pulls until the server says finished; a notice during a pull triggers one more round. */
  async pull(): Promise<void> {
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
          const raw = this.raw;
          if (!raw) return;
          const messageId = this.nextId++;
          raw.send({ type: 'QUERY', topic: 'pullMsg', targetId: '', messageId, payload: encodePayload('SyncRequestMsg', { syncTime: this.cursor, ispolling: false, isPullSend: true }) });
          const ack = await raw.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId, 10_000);
          if (ack.type !== 'QUERYACK' || ack.status !== 0) throw new Error(`pull failed: ${JSON.stringify(ack)}`);
          const page = decodePayload('DownStreamMessages', ack.payload);
          if (page.syncTime < this.cursor) throw new Error('cursor went backwards');
          this.received.push(...page.list);
          this.cursor = page.syncTime;
          finished = page.finished === true;
        }
      } while (this.pullAgain);
    } catch (error) {
      // A pull cut short by a disconnect is resumed from the kept cursor on the next connect.
      if (this.raw) throw error;
    } finally {
      this.pulling = false;
    }
  }

  uids(): string[] {
    return this.received.map((m) => m.msgId ?? '');
  }
}
