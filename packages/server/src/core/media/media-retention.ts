import type { Logger } from 'pino';
import type { MediaService } from './media-service.js';

const SWEEP_EVERY_MS = 10 * 60_000;
/** Entries removed a sweep at most, so a huge backlog is worked off over several sweeps. */
const MAX_PER_SWEEP = 10_000;

/**
 * Files live as long as messages (`--retention-days`): by age alone, since a message that names a
 * file is itself purged at the same age (core/messaging/retention.ts).
 */
export function startMediaRetention(media: Pick<MediaService, 'purgeBefore'>, logger: Logger, retentionDays: number, now: () => number): { stop(): void; sweep(): Promise<number> } {
  const sweep = async (): Promise<number> => {
    const removed = await media.purgeBefore(now() - retentionDays * 86_400_000, MAX_PER_SWEEP);
    if (removed > 0) logger.info({ removed, retentionDays }, 'purged expired uploads');
    return removed;
  };
  const timer = setInterval(() => void sweep().catch((err: unknown) => logger.error({ err }, 'upload retention sweep failed')), SWEEP_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
