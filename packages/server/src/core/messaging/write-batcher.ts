/**
 * Group commit: writes wait while a flush is under way and then go out together in the next one,
 * so the busier the store, the larger the batches and the fewer the commits (and fsyncs) per write.
 * Each caller still gets its own result. One flush runs at a time, in arrival order, which keeps
 * per-conversation send order.
 */
export class WriteBatcher<In, Out> {
  private pending: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly flush: (items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 2000,
  ) {}

  write(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // Writes of the same event-loop turn join even the first batch.
      if (!this.scheduled && !this.flushing) {
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
    while (this.pending.length > 0 || this.scheduled || this.flushing) {
      await (this.flushing ?? new Promise((r) => setImmediate(r)));
    }
  }

  private drain(): void {
    if (this.flushing || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    this.flushing = this.flush(batch.map((p) => p.item)).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i] as Out)),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
    void this.flushing.then(() => {
      this.flushing = undefined;
      this.drain();
    });
  }
}
