import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';

const SWEEP_EVERY_MS = 10 * 60_000;
const BATCH = 1000;
/** At most this many batches a sweep, so a huge backlog is worked off over several sweeps. */
const MAX_BATCHES_PER_SWEEP = 50;

/**
 * Purges messages older than the retention period, in bounded batches, with their inbox rows and the
 * marks of users who deleted them; then the clears and read positions that mark no stored message
 * any more.
 */
export function startRetention(store: Store, logger: Logger, retentionDays: number, now: () => number): { stop(): void; sweep(): Promise<number> } {
  const sweep = async (): Promise<number> => {
    const cutoff = now() - retentionDays * 86_400_000;
    const purged = await inBatches((limit) => store.messages.purgeBefore(cutoff, limit));
    if (purged > 0) logger.info({ purged, retentionDays }, 'purged expired messages');
    // Only clears older than the cutoff: a message still being written is newer than that.
    const clears = await inBatches((limit) => store.deletions.purgeClears(cutoff, limit));
    if (clears > 0) logger.info({ clears }, 'forgot history clears of purged messages');
    // A position last moved before the cutoff reads up to an instant before it too: every message
    // it marks read is purged, so it says nothing any more (a sync reads it as never marked).
    const positions = await inBatches((limit) => store.reads.purgeBefore(cutoff, limit));
    if (positions > 0) logger.info({ positions }, 'forgot read positions of purged messages');
    return purged;
  };
  const timer = setInterval(() => void sweep().catch((err: unknown) => logger.error({ err }, 'retention sweep failed')), SWEEP_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}

/** Runs `purge` in batches until one comes back short, or MAX_BATCHES_PER_SWEEP; returns the total. */
async function inBatches(purge: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_SWEEP; i++) {
    const n = await purge(BATCH);
    total += n;
    if (n < BATCH) break;
  }
  return total;
}
