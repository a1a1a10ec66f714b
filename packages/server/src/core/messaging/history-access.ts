import type { MembershipPeriod, SentTimeWindow } from '../../store/store.js';

/** A history page asked for: sent before `time` (`older`, newest first) or after it (oldest first). */
export interface HistoryRequest {
  time: number;
  older: boolean;
}

export type GroupHistoryAccess = { allowed: false } | { allowed: true; windows: SentTimeWindow[] };

/**
 * The rule for reading a group's history, given the reader's membership periods in the group:
 * only a current member (one with an open period) reads it, and only the messages sent while they
 * were a member. A user who quit, never joined, or whose group was dismissed is refused, also for
 * what was sent while they were in: a former member keeps what their devices already received.
 *
 * The windows are the part of the request's range that the periods cover, disjoint and in the
 * order a page is read: newest first for `older`, oldest first otherwise. Periods that overlap
 * (nodes' clocks disagreeing about a quit and a re-join) are merged, so no message is read twice.
 */
export function groupHistoryAccess(periods: readonly MembershipPeriod[], request: HistoryRequest): GroupHistoryAccess {
  if (!periods.some((p) => p.leftAt === undefined)) return { allowed: false };
  // Sent times are whole milliseconds: "after time" starts at time + 1.
  const [lower, upper] = request.older ? [0, request.time] : [request.time + 1, Infinity];
  const clipped = periods
    .map((p) => ({ from: Math.max(p.joinedAt, lower), to: Math.min(p.leftAt ?? Infinity, upper) }))
    .filter((w) => w.from < w.to)
    .sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const window of clipped) {
    const last = merged.at(-1);
    if (last && window.from <= last.to) last.to = Math.max(last.to, window.to);
    else merged.push({ ...window });
  }
  const windows = merged.map((w) => ({ from: w.from, to: w.to === Infinity ? undefined : w.to }));
  return { allowed: true, windows: request.older ? windows.reverse() : windows };
}
