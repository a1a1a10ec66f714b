import { randomInt } from 'node:crypto';
import { encodePayload } from '@parley/protocol';
import { RawClient } from './raw-client.js';

export interface Ack {
  seq: number;
  uid: string;
  sentTime: number;
}

/**
 * Sends numbered text messages over a raw connection with a window of unacknowledged sends, and
 * records each PUBACK. Stops quietly when the connection drops: what was acked is what counts.
 */
export async function sendNumbered(
  raw: RawClient,
  topic: 'ppMsgP' | 'pgMsgP',
  targetId: string,
  count: number,
  options: { window?: number; onAck?: (ack: Ack) => void; clientIdBase?: number } = {},
): Promise<Ack[]> {
  const window = options.window ?? 16;
  // Client ids are the idempotency key: each call gets fresh ones unless a test retries on purpose.
  const clientIdBase = options.clientIdBase ?? randomInt(1, 2 ** 30) * 100_000;
  const acks: Ack[] = [];
  const pending = new Map<number, number>();
  let next = 1;
  let failed: Error | undefined;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (pending.size < window && next <= count && raw.closeCode === undefined) {
        const seq = next++;
        const messageId = ((seq - 1) % 60_000) + 1;
        pending.set(messageId, seq);
        raw.send({
          type: 'PUBLISH',
          header: { qos: 1 },
          topic,
          targetId,
          messageId,
          payload: encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: JSON.stringify({ content: `m${seq}` }), clientUniqueId: String(clientIdBase + seq) }),
        });
      }
      if ((pending.size === 0 && next > count) || raw.closeCode !== undefined) resolve();
    };
    raw.socket.on('message', () => {
      const frame = raw.frames.at(-1);
      if (frame?.type !== 'PUBACK') return;
      const seq = pending.get(frame.messageId);
      if (seq === undefined) return;
      pending.delete(frame.messageId);
      if (frame.status !== 0) failed ??= new Error(`send ${seq} refused with ${frame.status}`);
      else {
        const ack = { seq, uid: frame.messageUId, sentTime: frame.date * 1000 + frame.millis };
        acks.push(ack);
        options.onAck?.(ack);
      }
      pump();
    });
    void raw.closed.then(() => resolve());
    pump();
  });
  if (failed) throw failed;
  return acks;
}
