import { RequestError, requestJson } from '../shared/http.js';

/** An app as the admin API shows it: everything but the App Secret. */
export interface AdminApp {
  appKey: string;
  name: string;
  state: 'active' | 'blocked' | 'deleted';
  tokenLifetimeSeconds: number;
  devicePolicy: 'per-class' | 'single' | 'multi';
  maxDevices: number;
  safeDomains: string[];
  signatureMode: 'compatible' | 'strict';
  apiRateLimit: number;
  createdAt: number;
  updatedAt: number;
}

export type AppSettings = Pick<AdminApp, 'name' | 'tokenLifetimeSeconds' | 'devicePolicy' | 'maxDevices' | 'safeDomains' | 'signatureMode' | 'apiRateLimit'>;

export interface AdminUser {
  userId: string;
  registered: boolean;
  createdAt: number | null;
  blockedUntil: number | null;
  deactivated: boolean;
  tokensValidAfter: number | null;
  devices: { platform: string; deviceId: string; connectedAt: number }[];
}

export interface StatsSample {
  at: number;
  connections: number;
  connectsPerSecond: number;
  messagesPerSecond: number;
}

export interface Stats {
  intervalMs: number;
  windowMs: number;
  current: StatsSample;
  series: StatsSample[];
}

/** Kept per tab, like a session: closing the tab forgets it. */
const TOKEN_KEY = 'parley-admin-token';

export const adminToken = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Called when the server refuses the token (401), so the page can ask for it again. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await requestJson<T>(method, `/admin/api${path}`, body, { authorization: `Bearer ${adminToken.get() ?? ''}` });
  } catch (error) {
    if (error instanceof RequestError && error.status === 401) onUnauthorized();
    throw error;
  }
}

export const userPath = (appKey: string, userId: string) => `/apps/${encodeURIComponent(appKey)}/users/${encodeURIComponent(userId)}`;
