/**
 * Collects writes made during one turn of the event loop and hands them to `flush` together, one
 * batch at a time, so a burst of sends shares one transaction (and one fsync) while each caller
 * still gets its own result. Batches run in order, which keeps per-conversation send order.
 */
export class WriteBatcher<In, Out> {
  private pending: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly flush: (items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 500,
  ) {}

  write(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Resolves once everything written so far is flushed. */
  async idle(): Promise<void> {
    while (this.pending.length > 0 || this.scheduled) await new Promise((r) => setImmediate(r));
    await this.running;
  }

  private drain(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.running = this.running.then(async () => {
        try {
          const results = await this.flush(batch.map((p) => p.item));
          batch.forEach((p, i) => p.resolve(results[i] as Out));
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      });
    }
  }
}
