import type { Bus, BusEvent, NodeInfo, NodeRegistry, PresenceRegistry, SessionEntry } from '../bus.js';
import { localStatusSubscriptions } from './local-status-subscriptions.js';

/** Caps that keep in-memory maps bounded whatever the traffic. */
const MAX_BUCKETS = 100_000;
const MAX_CLAIMS = 1_000_000;

/** The single-node bus: everything in this process's memory. */
export function createLocalBus(now: () => number = Date.now): Bus {
  const listeners = new Set<(event: BusEvent) => void>();
  return {
    presence: localPresence(),
    nodes: localNodes(now),
    statusSubscriptions: localStatusSubscriptions(),
    publish: async (event) => {
      for (const listener of listeners) listener(event);
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    takeToken: tokenBuckets(now),
    claimOnce: onceClaims(now),
    close: async () => listeners.clear(),
  };
}

function localPresence(): PresenceRegistry {
  const bySession = new Map<string, SessionEntry>();
  const byUser = new Map<string, Set<string>>();
  const userKey = (appKey: string, userId: string) => `${appKey}\u0000${userId}`;
  return {
    add: async (entry) => {
      bySession.set(entry.sessionId, entry);
      const key = userKey(entry.appKey, entry.userId);
      let sessions = byUser.get(key);
      if (!sessions) byUser.set(key, (sessions = new Set()));
      sessions.add(entry.sessionId);
    },
    remove: async (sessionId) => {
      const entry = bySession.get(sessionId);
      if (!entry) return;
      bySession.delete(sessionId);
      const key = userKey(entry.appKey, entry.userId);
      const sessions = byUser.get(key);
      sessions?.delete(sessionId);
      if (sessions?.size === 0) byUser.delete(key);
    },
    sessionsOf: async (appKey, userId) =>
      [...(byUser.get(userKey(appKey, userId)) ?? [])].map((id) => bySession.get(id)).filter((e) => e !== undefined),
  };
}

function localNodes(now: () => number): NodeRegistry {
  const nodes = new Map<string, { node: NodeInfo; until: number }>();
  return {
    announce: async (node, ttlMs) => {
      nodes.set(node.nodeId, { node, until: now() + ttlMs });
    },
    withdraw: async (nodeId) => {
      nodes.delete(nodeId);
    },
    live: async () => {
      const t = now();
      return [...nodes.values()]
        .filter((n) => n.until > t)
        .map((n) => n.node)
        .sort((a, b) => a.connections - b.connections);
    },
  };
}

function tokenBuckets(now: () => number): Bus['takeToken'] {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return async (key, perSecond, burst) => {
    const t = now();
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= MAX_BUCKETS) evictFull(buckets, t, perSecond, burst);
      bucket = { tokens: burst, at: t };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
    bucket.at = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
}

/** Drops buckets that have refilled completely: forgetting them changes no answer. */
function evictFull(buckets: Map<string, { tokens: number; at: number }>, t: number, perSecond: number, burst: number): void {
  for (const [key, bucket] of buckets) {
    if (bucket.tokens + ((t - bucket.at) / 1000) * perSecond >= burst) buckets.delete(key);
  }
  if (buckets.size >= MAX_BUCKETS) buckets.clear();
}

function onceClaims(now: () => number): Bus['claimOnce'] {
  // Insertion order is expiry order for a fixed TTL, so expired claims are swept from the front.
  const claims = new Map<string, number>();
  return async (key, ttlMs) => {
    const t = now();
    for (const [k, expiresAt] of claims) {
      if (expiresAt > t) break;
      claims.delete(k);
    }
    const expiresAt = claims.get(key);
    if (expiresAt !== undefined && expiresAt > t) return false;
    // Still full of live claims: refusing is the safe answer for a replay guard.
    if (claims.size >= MAX_CLAIMS) return false;
    claims.set(key, t + ttlMs);
    return true;
  };
}
