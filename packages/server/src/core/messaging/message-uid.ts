import { randomFillSync } from 'node:crypto';

// Digits before letters, as in ASCII, so UIDs sort as text in the order they were made.
const BASE32 = '234567ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const COUNTER_SPAN = 1 << 10;
const RANDOM_SPAN = 1 << 25;

/**
 * Time-ordered message UIDs in RongCloud's shape (`BJ3P-QHUM-C4G6-4A8H`, 80 bits): 45 bits of
 * milliseconds, a 10-bit counter, 25 random bits. Ordered by time, a new UID lands at the end of the
 * uid index instead of on a random page, which keeps every commit's set of written pages small. The
 * counter keeps one process's UIDs of one millisecond apart; the random bits keep nodes apart
 * without coordination.
 */
export class MessageUidSource {
  private counter = 0;
  private readonly pool = new Uint32Array(256);
  private poolIndex = this.pool.length;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    this.counter = (this.counter + 1) % COUNTER_SPAN;
    const chars = base32(this.now(), 9) + base32(this.counter, 2) + base32(this.random() % RANDOM_SPAN, 5);
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12)}`;
  }

  /** Random numbers drawn from a refilled pool: one system call per 256 UIDs, not one per UID. */
  private random(): number {
    if (this.poolIndex === this.pool.length) {
      randomFillSync(this.pool);
      this.poolIndex = 0;
    }
    return this.pool[this.poolIndex++] as number;
  }
}

function base32(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = BASE32[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

const processUids = new MessageUidSource();

export function newMessageUid(): string {
  return processUids.next();
}
