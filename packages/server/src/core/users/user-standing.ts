import type { UserRecord } from '../../store/store.js';

/**
 * Why a user may hold no session at `now`, or undefined when they may. The one rule for both
 * moments it matters: a connect (refused) and a re-check of live sessions (dropped).
 */
export function barredReason(user: UserRecord, now: number): 'user-deactivated' | 'user-blocked' | undefined {
  if (user.deactivated) return 'user-deactivated';
  return user.blockedUntil > now ? 'user-blocked' : undefined;
}
