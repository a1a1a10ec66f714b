/**
 * Group commit: writes wait while a flush is under way and then go out together in the next one,
 * so the busier the store, the larger the batches and the fewer the commits (and fsyncs) per write.
 * Each caller still gets its own result. Flushes start in arrival order, and each starts only once
 * the one before it is done, or has called `ordered`: a store calls it when the batch's place before
 * every later batch is fixed (PostgreSQL: its rows hold their seqs and it holds the locks a later
 * batch on the same inboxes waits for), so that per-conversation send order is kept while the next
 * batch already does its own work. A store that never calls it gets one flush at a time.
 */
export class WriteBatcher<In, Out> {
  private pending: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Flushes started so far; the last of them is the latest. */
  private started = 0;
  /** The latest flush is done or ordered: the next may start. */
  private latestOrdered = true;
  private readonly settled = new Set<Promise<void>>();

  constructor(
    private readonly flush: (items: In[], ordered: () => void) => Promise<Out[]>,
    private readonly maxBatch = 2000,
    /** Flushes under way at most: connections the store may use for writes at once. */
    private readonly maxInFlight = 1,
  ) {}

  write(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // Writes of the same event-loop turn join even the first batch.
      if (!this.scheduled && this.mayStart()) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  /** Resolves once everything written so far is flushed. */
  async idle(): Promise<void> {
    while (this.pending.length > 0 || this.scheduled || this.settled.size > 0) {
      await (this.settled.size > 0 ? Promise.race(this.settled) : new Promise((r) => setImmediate(r)));
    }
  }

  private mayStart(): boolean {
    return this.latestOrdered && this.inFlight < this.maxInFlight;
  }

  private drain(): void {
    if (!this.mayStart() || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    const index = ++this.started;
    this.inFlight++;
    this.latestOrdered = false;
    const ordered = (): void => {
      if (index !== this.started || this.latestOrdered) return;
      this.latestOrdered = true;
      this.drain();
    };
    const settled = this.flush(
      batch.map((p) => p.item),
      // Called from within flush() itself, it would start the next batch before this one is under way.
      () => queueMicrotask(ordered),
    )
      .then(
        (results) => batch.forEach((p, i) => p.resolve(results[i] as Out)),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      )
      .then(() => {
        this.settled.delete(settled);
        this.inFlight--;
        ordered();
        this.drain();
      });
    this.settled.add(settled);
  }
}
