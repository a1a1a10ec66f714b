/** Runs a callback on a later turn of the event loop (setImmediate: after pending I/O and timers). */
export type Scheduler = (run: () => void) => void;

export const nextTurn: Scheduler = (run) => void setImmediate(run);

/**
 * Work that arrives in bursts, done at most `sliceSize` items per turn of the event loop. Thousands
 * of connections can end in the same instant (a load balancer restarting, a network blip, a
 * shutdown); cleaning each one up where its end is heard would hold the event loop, and every other
 * connection's answers, for the whole burst. Items are handled in the order they came, each once.
 */
export class SlicedQueue<T> {
  private items: T[] = [];
  /** Items before this index are done. */
  private head = 0;
  private scheduled = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly handle: (item: T) => void,
    private readonly onError: (error: unknown, item: T) => void,
    private readonly sliceSize: number,
    private readonly schedule: Scheduler = nextTurn,
  ) {
    if (!Number.isInteger(sliceSize) || sliceSize < 1) throw new RangeError(`slice size must be a positive integer, not ${sliceSize}`);
  }

  /** Items waiting for their turn. */
  get pending(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(this.runSlice);
  }

  /** Resolves once every item pushed so far, and any pushed while they are handled, is done. */
  drained(): Promise<void> {
    if (this.pending === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private readonly runSlice = (): void => {
    const end = Math.min(this.items.length, this.head + this.sliceSize);
    while (this.head < end) {
      const item = this.items[this.head] as T;
      this.head++;
      try {
        this.handle(item);
      } catch (error) {
        this.onError(error, item);
      }
    }
    // Drop what is done (when it is most of the array, so each item is copied at most once or so).
    if (this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.pending > 0) {
      this.schedule(this.runSlice);
      return;
    }
    this.scheduled = false;
    for (const resolve of this.waiters.splice(0)) resolve();
  };
}
