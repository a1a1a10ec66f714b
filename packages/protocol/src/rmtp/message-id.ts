const MAX_MESSAGE_ID = 0xffff;

/**
 * The message id after `previous`: 1, 2, …, 65535, then 1 again. Zero is skipped, as the Web SDK
 * skips it; anything that is not a valid id restarts the sequence at 1.
 */
export function nextMessageId(previous: number): number {
  return Number.isInteger(previous) && previous >= 0 && previous < MAX_MESSAGE_ID ? previous + 1 : 1;
}

/** A stateful source of ids for one connection, starting after `previous` (default: 0, so 1 first). */
export class MessageIdSequence {
  constructor(private current = 0) {}

  next(): number {
    this.current = nextMessageId(this.current);
    return this.current;
  }
}
