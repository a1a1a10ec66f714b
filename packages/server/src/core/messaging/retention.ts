import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';

const SWEEP_EVERY_MS = 10 * 60_000;
const BATCH = 1000;
/** At most this many batches a sweep, so a huge backlog is worked off over several sweeps. */
const MAX_BATCHES_PER_SWEEP = 50;

/** Purges messages (with their inbox rows) older than the retention period, in bounded batches. */
export function startRetention(store: Store, logger: Logger, retentionDays: number, now: () => number): { stop(): void; sweep(): Promise<number> } {
  const sweep = async (): Promise<number> => {
    const cutoff = now() - retentionDays * 86_400_000;
    let purged = 0;
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP; i++) {
      const n = await store.messages.purgeBefore(cutoff, BATCH);
      purged += n;
      if (n < BATCH) break;
    }
    if (purged > 0) logger.info({ purged, retentionDays }, 'purged expired messages');
    return purged;
  };
  const timer = setInterval(() => void sweep().catch((err: unknown) => logger.error({ err }, 'retention sweep failed')), SWEEP_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
