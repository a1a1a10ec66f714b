import { NAVIGATION_PATH, NavigationProtocol, navigationHostsOf } from '@parley/protocol';
import { ConnectionErrorCode } from '../enums.js';
import { TransportError } from '../transport/frame-socket.js';
import type { PostForm } from './http-post.js';

/** How long a navigation answer is trusted, as RongCloud's SDKs do. */
export const NAVIGATION_TTL_MS = 2 * 60 * 60 * 1000;
const NAVIGATION_TIMEOUT_MS = 10_000;

export interface NavigationResult {
  /** WebSocket base URLs to try, in order (`ws://host:port`). */
  servers: string[];
  expiresAt: number;
  /** Where files are uploaded, when the server takes uploads. */
  uploadServer?: string;
}

export class NavigationError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The navigation servers for a token: those it names, then the ones given to `init`. A bare
 * `host:port` means plain HTTP here, as Parley's tokens always carry their scheme.
 */
export function navigatorsFor(token: string, configured: readonly string[]): string[] {
  const all = [...navigationHostsOf(token), ...configured].map((s) => (/^https?:\/\//.test(s) ? s : `http://${s}`).replace(/\/+$/, ''));
  return [...new Set(all)];
}

/**
 * Asks each navigator in turn which gateways to use. A 401/403 is a verdict on the token (31004)
 * and stops at once; any other failure moves on to the next navigator, and when none answers the
 * result is 30007, which the connection retries.
 */
export async function navigate(post: PostForm, navigators: readonly string[], appKey: string, token: string, now: number): Promise<NavigationResult> {
  for (const base of navigators) {
    let response: { status: number; body: string };
    try {
      response = await post(
        `${base}${NAVIGATION_PATH}`,
        { 'content-type': 'application/x-www-form-urlencoded', 'RC-Appkey': appKey },
        new URLSearchParams({ token, v: 'parley', platfrom: 'parley' }).toString(),
        NAVIGATION_TIMEOUT_MS,
      );
    } catch (error) {
      // The app's proxy is the problem, not this navigator: every other one would fail the same way.
      if (error instanceof TransportError && error.code === ConnectionErrorCode.RC_CONN_PROXY_UNAVAILABLE) {
        throw new NavigationError(error.code, error.message);
      }
      continue;
    }
    if (response.status === 401 || response.status === 403) {
      throw new NavigationError(ConnectionErrorCode.RC_CONN_TOKEN_INCORRECT, 'navigation refused the token');
    }
    if (response.status !== 200) continue;
    const servers = serversIn(response.body);
    const uploadServer = uploadServerIn(response.body);
    if (servers.length > 0) return { servers, expiresAt: now + NAVIGATION_TTL_MS, ...(uploadServer ? { uploadServer } : {}) };
  }
  throw new NavigationError(ConnectionErrorCode.RC_NAVI_RESOURCE_ERROR, 'no navigation server answered');
}

function serversIn(body: string): string[] {
  let parsed: { serverAddr?: { addr?: unknown; protocol?: unknown }[] } | undefined;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return [];
  }
  return (Array.isArray(parsed?.serverAddr) ? parsed.serverAddr : [])
    .filter((s): s is { addr: string; protocol: unknown } => typeof s?.addr === 'string' && s.addr.length > 0)
    .map((s) => `${s.protocol === NavigationProtocol.WSS ? 'wss' : 'ws'}://${s.addr}`);
}

function uploadServerIn(body: string): string | undefined {
  try {
    const value = (JSON.parse(body) as { uploadServer?: unknown } | null)?.uploadServer;
    return typeof value === 'string' && /^https?:\/\//.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
