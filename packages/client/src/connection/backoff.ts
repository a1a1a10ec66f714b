/** The seeds' reconnect schedule, in ms: 0.05, 0.25, 0.5, 1, 2, 4, 8, 16, 32 s, then every 64 s. */
export const RECONNECT_SCHEDULE_MS: readonly number[] = [50, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000];
export const RECONNECT_CEILING_MS = 64_000;
/** ±20%: enough to spread a crowd of clients that lost the same server at the same instant. */
const JITTER = 0.2;

/** The wait before retry number `attempt` (0-based), with jitter drawn from `random` in [0, 1). */
export function backoffDelay(attempt: number, random: () => number): number {
  const base = RECONNECT_SCHEDULE_MS[attempt] ?? RECONNECT_CEILING_MS;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}
