import type { AppRecord, UserRecord } from '../../store/store.js';
import { hasValidMac, parseToken, type TokenClaims } from './token.js';
import { tokenKeyOf } from '../apps/app-keys.js';
import { isOriginAllowed } from '../apps/safe-domains.js';
import { barredReason } from '../users/user-standing.js';

/**
 * Why a connect is refused, in the order the checks run. The gateway turns each into its CONNACK
 * status; keeping the order here means every entry point (gateway, navigation, tests) agrees on which
 * refusal wins when several apply.
 */
export type ConnectVerdict =
  | { ok: true; claims: TokenClaims }
  | { ok: false; refusal: ConnectRefusal };

export type ConnectRefusal =
  | 'unknown-app'
  | 'app-blocked'
  | 'origin-not-allowed'
  | 'token-incorrect'
  | 'token-expired'
  | 'user-blocked'
  | 'user-deactivated';

export interface ConnectFacts {
  token: string;
  /** The App Key the client presented (URL query or CONNECT frame). */
  presentedAppKey: string;
  /** The app stored under the presented App Key, if any. */
  app: AppRecord | undefined;
  /** The browser page's Origin header; absent for native and Node clients. */
  origin?: string | undefined;
  /** The token's user, looked up after the token's claims are known. */
  lookupUser: (appKey: string, userId: string) => Promise<UserRecord | undefined>;
  now: number;
}

export async function verifyConnect(facts: ConnectFacts): Promise<ConnectVerdict> {
  const { app, now } = facts;
  if (!app) return refuse('unknown-app');
  if (app.state !== 'active') return refuse('app-blocked');
  if (!isOriginAllowed(app.safeDomains, facts.origin)) return refuse('origin-not-allowed');
  const parsed = parseToken(facts.token);
  if (!parsed.ok) return refuse('token-incorrect');
  const { claims } = parsed;
  if (claims.appKey !== facts.presentedAppKey || !hasValidMac(parsed, tokenKeyOf(app))) return refuse('token-incorrect');
  if (isPastLifetime(claims, app, now)) return refuse('token-expired');
  const user = await facts.lookupUser(app.appKey, claims.userId);
  if (user) {
    if (claims.issuedAt < user.tokensValidAfter) return refuse('token-expired');
    const barred = barredReason(user, now);
    if (barred) return refuse(barred);
  }
  return { ok: true, claims };
}

/**
 * Navigation refuses only a token whose MAC fails: the official SDK turns any navigation 401 into
 * 31004, so every other refusal must wait for the gateway, which can name it exactly.
 */
export async function passesNavigation(
  token: string,
  findApp: (appKey: string) => Promise<AppRecord | undefined>,
): Promise<boolean> {
  const parsed = parseToken(token);
  if (!parsed.ok) return false;
  const app = await findApp(parsed.claims.appKey);
  if (!app) return false;
  return hasValidMac(parsed, tokenKeyOf(app));
}

function isPastLifetime(claims: TokenClaims, app: AppRecord, now: number): boolean {
  return app.tokenLifetimeSeconds > 0 && claims.issuedAt + app.tokenLifetimeSeconds * 1000 <= now;
}

function refuse(refusal: ConnectRefusal): ConnectVerdict {
  return { ok: false, refusal };
}
