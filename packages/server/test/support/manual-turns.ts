import type { Scheduler } from '../../src/gateway/sliced-queue.js';

/** A scheduler the test turns by hand: each `turn()` runs what was scheduled before it. */
export function manualTurns(): { schedule: Scheduler; turn(): void; readonly waiting: number } {
  let queued: (() => void)[] = [];
  return {
    schedule: (run) => void queued.push(run),
    turn() {
      const now = queued;
      queued = [];
      for (const run of now) run();
    },
    get waiting() {
      return queued.length;
    },
  };
}
