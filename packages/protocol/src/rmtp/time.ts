/**
 * Splits a millisecond timestamp into the `date` (seconds) and `millis` fields of an S→C PUBACK,
 * which the SDK recombines as `date * 1000 + millis`.
 */
export function splitTimestamp(timestampMs: number): { date: number; millis: number } {
  const date = Math.floor(timestampMs / 1000);
  return { date, millis: timestampMs - date * 1000 };
}
