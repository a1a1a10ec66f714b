/**
 * How many frames of one kind a connection may have being handled at once, and how many more may
 * wait their turn. A client pipelining history pages as fast as it can would otherwise set the store
 * to work on all of them at once; one that queues a few more than the bound (the official SDK sends
 * seven queries right after CONNACK) waits instead of failing. Past both, the frame is refused
 * (20604) and the connection stays.
 */
export class InFlight<T> {
  private running = 0;
  private readonly waiting: T[] = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxWaiting: number,
  ) {}

  /** 'run': start it now (and call `finished` when done); 'wait': it is queued; 'refuse': answer it at once. */
  offer(item: T): 'run' | 'wait' | 'refuse' {
    if (this.running < this.maxRunning) {
      this.running++;
      return 'run';
    }
    if (this.waiting.length < this.maxWaiting) {
      this.waiting.push(item);
      return 'wait';
    }
    return 'refuse';
  }

  /** Forgets what waits (its connection is gone); running items still report `finished`. */
  clear(): void {
    this.waiting.length = 0;
  }

  /** One running item is done; returns the next one to run, already counted as running. */
  finished(): T | undefined {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    return next;
  }
}

/** Queries: 8 at once, 32 more waiting. */
export const QUERY_BOUNDS = { running: 8, waiting: 32 } as const;
/**
 * Sends: a generous window (group commit likes many sends in flight, and the per-user send rate
 * already bounds how many are accepted), nothing waiting.
 */
export const PUBLISH_BOUNDS = { running: 128, waiting: 0 } as const;
