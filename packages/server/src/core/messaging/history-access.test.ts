import { describe, expect, it } from 'vitest';
import type { MembershipPeriod } from '../../store/store.js';
import { groupHistoryAccess } from './history-access.js';

const period = (joinedAt: number, leftAt?: number): MembershipPeriod => ({ joinedAt, leftAt });
const older = (time: number) => ({ time, older: true });
const newer = (time: number) => ({ time, older: false });

describe('groupHistoryAccess', () => {
  it('refuses a user with no open period: never joined, quit, or quit more than once', () => {
    expect(groupHistoryAccess([], older(1000))).toEqual({ allowed: false });
    expect(groupHistoryAccess([period(100, 200)], older(1000))).toEqual({ allowed: false });
    expect(groupHistoryAccess([period(100, 200), period(300, 400)], newer(0))).toEqual({ allowed: false });
  });

  it('lets a current member read from their join on, up to the requested time', () => {
    expect(groupHistoryAccess([period(100)], older(1000))).toEqual({ allowed: true, windows: [{ from: 100, to: 1000 }] });
    expect(groupHistoryAccess([period(100)], newer(0))).toEqual({ allowed: true, windows: [{ from: 100, to: undefined }] });
    // "After 500" starts at the next millisecond.
    expect(groupHistoryAccess([period(100)], newer(500))).toEqual({ allowed: true, windows: [{ from: 501, to: undefined }] });
  });

  it('gives one window per period, leaving out the gaps, newest first for older pages and oldest first for newer', () => {
    const periods = [period(100, 200), period(300, 400), period(500)];
    expect(groupHistoryAccess(periods, older(10_000))).toEqual({
      allowed: true,
      windows: [
        { from: 500, to: 10_000 },
        { from: 300, to: 400 },
        { from: 100, to: 200 },
      ],
    });
    expect(groupHistoryAccess(periods, newer(0))).toEqual({
      allowed: true,
      windows: [
        { from: 100, to: 200 },
        { from: 300, to: 400 },
        { from: 500, to: undefined },
      ],
    });
  });

  it('cuts periods at the requested time and drops those wholly on the other side of it', () => {
    const periods = [period(100, 200), period(300, 400), period(500)];
    expect(groupHistoryAccess(periods, older(350))).toEqual({
      allowed: true,
      windows: [
        { from: 300, to: 350 },
        { from: 100, to: 200 },
      ],
    });
    expect(groupHistoryAccess(periods, older(300))).toEqual({ allowed: true, windows: [{ from: 100, to: 200 }] });
    expect(groupHistoryAccess(periods, newer(350))).toEqual({
      allowed: true,
      windows: [
        { from: 351, to: 400 },
        { from: 500, to: undefined },
      ],
    });
    // Joined after the requested time: an empty page, not a refusal.
    expect(groupHistoryAccess([period(500)], older(500))).toEqual({ allowed: true, windows: [] });
  });

  it('merges periods that overlap or touch, and skips empty ones, so no message is read twice', () => {
    // A quit stamped by a clock behind the join's, and a re-join stamped before the quit.
    const periods = [period(100, 250), period(200, 300), period(300, 400), period(500, 450), period(600)];
    expect(groupHistoryAccess(periods, newer(0))).toEqual({
      allowed: true,
      windows: [
        { from: 100, to: 400 },
        { from: 600, to: undefined },
      ],
    });
    expect(groupHistoryAccess([period(100, 150), period(120)], older(1000))).toEqual({ allowed: true, windows: [{ from: 100, to: 1000 }] });
  });

  it('does not depend on the order the periods are given in', () => {
    const periods = [period(100, 200), period(300, 400), period(500)];
    expect(groupHistoryAccess([...periods].reverse(), older(1000))).toEqual(groupHistoryAccess(periods, older(1000)));
  });
});
