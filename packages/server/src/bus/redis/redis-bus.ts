import { randomBytes } from 'node:crypto';
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { Bus, BusEvent, DropReason, NodeInfo, NodeRegistry, PresenceRegistry, SessionEntry } from '../bus.js';
import { redisStatusSubscriptions } from './redis-status-subscriptions.js';

export interface RedisBusOptions {
  /** Prepended to every key and channel, so several deployments (or tests) can share one Redis. */
  keyPrefix?: string;
  /** A session this instance added expires this long after its last refresh (refreshed every third of it). */
  sessionTtlMs?: number;
  /** Longest wait for one Redis reply; a call waiting longer fails (see README: failure behaviour). */
  commandTimeoutMs?: number;
  /** Clock for token buckets and node announcements; session and claim expiry use Redis's own clock. */
  now?: () => number;
  /** Where outage warnings go (at most one per kind of failure every 10 s); silent by default. */
  logger?: Logger;
}

export const DEFAULT_KEY_PREFIX = 'parley:';
const DEFAULT_SESSION_TTL_MS = 30_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
/** Reconnect attempts back off to at most this, so a restarted Redis is found again within a second. */
const MAX_RECONNECT_DELAY_MS = 1_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** Sessions rewritten per pipeline round trip, so a node with many sessions sends bounded batches. */
const REFRESH_BATCH = 500;
/** More nodes than a deployment has; bounds what `live()` reads. */
const MAX_NODES = 1_000;
const WARNING_INTERVAL_MS = 10_000;

/**
 * Writes a session and indexes it under its user. The index lives at least as long as its
 * longest-lived session, whatever TTL other nodes use.
 * KEYS: session, user index. ARGV: session id, entry JSON, TTL ms.
 */
const PRESENCE_ADD = `
redis.call('HSET', KEYS[1], 'entry', ARGV[2], 'index', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 1`;

/**
 * Removes a session and its index entry; the session records which index holds it, so any node can
 * remove any session by id alone.
 * KEYS: session. ARGV: session id.
 */
const PRESENCE_REMOVE = `
local index = redis.call('HGET', KEYS[1], 'index')
if index then redis.call('SREM', index, ARGV[1]) end
return redis.call('DEL', KEYS[1])`;

/**
 * A user's live entries; ids whose session expired (its node died) are dropped from the index on
 * the way. Session keys are derived here rather than passed in KEYS, which ties this bus to a
 * single Redis (not Redis Cluster): see README.
 * KEYS: user index. ARGV: session key prefix.
 */
const PRESENCE_OF = `
local entries = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local entry = redis.call('HGET', ARGV[1] .. id, 'entry')
  if entry then entries[#entries + 1] = entry else redis.call('SREM', KEYS[1], id) end
end
return entries`;

/**
 * Token bucket. The bucket expires once it would be full again, since a missing bucket is a full
 * one. Time never runs backwards for a bucket, so a node whose clock lags cannot refill it twice.
 * KEYS: bucket. ARGV: now ms, tokens per second, burst.
 */
const TAKE_TOKEN = `
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
  at = now
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return allowed`;

/**
 * Nodes still announced at `now`, forgetting the expired ones.
 * KEYS: expiry sorted set, info hash. ARGV: now ms, limit.
 */
const LIVE_NODES = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #expired > 0 then
  redis.call('ZREM', KEYS[1], unpack(expired))
  redis.call('HDEL', KEYS[2], unpack(expired))
end
local alive = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', 0, ARGV[2])
if #alive == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(alive))`;

interface Scripts<R> {
  parleyPresenceAdd(sessionKey: string, indexKey: string, sessionId: string, entry: string, ttlMs: number): R;
  parleyPresenceRemove(sessionKey: string, sessionId: string): R;
  parleyPresenceOf(indexKey: string, sessionKeyPrefix: string): R;
  parleyTakeToken(bucketKey: string, now: number, perSecond: number, burst: number): R;
  parleyLiveNodes(expiryKey: string, infoKey: string, now: number, limit: number): R;
}

type ScriptedRedis = Redis & Scripts<Promise<unknown>>;
type ScriptedPipeline = ChainableCommander & Scripts<ChainableCommander>;

function defineScripts(client: Redis): ScriptedRedis {
  const scripts: Record<keyof Scripts<unknown>, { numberOfKeys: number; lua: string }> = {
    parleyPresenceAdd: { numberOfKeys: 2, lua: PRESENCE_ADD },
    parleyPresenceRemove: { numberOfKeys: 1, lua: PRESENCE_REMOVE },
    parleyPresenceOf: { numberOfKeys: 1, lua: PRESENCE_OF },
    parleyTakeToken: { numberOfKeys: 1, lua: TAKE_TOKEN },
    parleyLiveNodes: { numberOfKeys: 2, lua: LIVE_NODES },
  };
  for (const [name, script] of Object.entries(scripts)) client.defineCommand(name, script);
  return client as ScriptedRedis;
}

/**
 * The cluster bus: presence, node registry, events, rate limits and replay claims in one Redis
 * shared by every node. Resolves once both connections (commands, and events on a dedicated
 * subscriber connection) are ready; rejects if Redis cannot be reached at start.
 */
export async function createRedisBus(url: string, options: RedisBusOptions = {}): Promise<Bus> {
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ enabled: false });
  const keys = redisKeys(prefix);
  const probeChannel = `${prefix}probe:${randomBytes(8).toString('hex')}`;

  const connectionOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // Fail at once while disconnected instead of queueing: a queued write would land after its
    // caller was told it failed.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // The bus subscribes on every connect itself, so it can tell when that failed (see below).
    autoResubscribe: false,
    commandTimeout: commandTimeoutMs,
    keepAlive: 10_000,
  };
  const client = defineScripts(new Redis(url, connectionOptions));
  const subscriber = new Redis(url, connectionOptions);

  const warnedAt = new Map<string, number>();
  /** Logs a failure, at most once per interval for the same context, so an outage does not flood the log. */
  const warn = (context: string, error: unknown): void => {
    const t = Date.now();
    if ((warnedAt.get(context) ?? -Infinity) > t - WARNING_INTERVAL_MS) return;
    warnedAt.set(context, t);
    logger.warn({ err: error, context }, 'redis bus: operation failed');
  };
  for (const [name, connection] of [['commands', client], ['events', subscriber]] as const) {
    // Without a listener ioredis would print every failed reconnect; with one, nothing is thrown.
    connection.on('error', (error: unknown) => warn(`${name} connection`, error));
  }

  const subscribeEvents = () => subscriber.subscribe(keys.events, probeChannel);
  try {
    await Promise.all([client.connect(), subscriber.connect()]);
    await subscribeEvents();
  } catch (error) {
    client.disconnect();
    subscriber.disconnect();
    throw error;
  }

  for (const [name, connection] of [['commands', client], ['events', subscriber]] as const) {
    connection.on('ready', () => logger.info({ context: `${name} connection` }, 'redis bus: reconnected'));
  }
  const listeners = new Set<(event: BusEvent) => void>();
  const deliver = (event: BusEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.error({ err: error, kind: event.kind }, 'redis bus: event listener failed');
      }
    }
  };
  // Every 'ready' after the first connect is a reconnect: whatever was published while this
  // subscriber was away never reached it.
  subscriber.on('ready', () => {
    subscribeEvents().then(
      () => deliver({ kind: 'resync' }),
      (error: unknown) => {
        // A connection without its subscription would look healthy and deliver nothing: retry on a new one.
        warn('subscribe', error);
        subscriber.disconnect(true);
      },
    );
  });

  let probeArrived: (() => void) | undefined;
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === probeChannel) {
      probeArrived?.();
      return;
    }
    const event = parseEvent(message);
    if (!event) {
      warn('event', new Error(`ignored a malformed or unknown event: ${message.slice(0, 200)}`));
      return;
    }
    deliver(event);
  });

  const inTurn = pipelinePerTurn(client);
  const presence = redisPresence(client, keys, sessionTtlMs, warn);
  // After a reconnect Redis may have restarted empty: put this node's sessions back at once.
  client.on('ready', () => void presence.refresh());

  /**
   * Pub/sub gives no sign of a subscription that silently stopped (a half-open connection, a
   * resubscribe that failed): a message to ourselves proves the path, and a connection that fails
   * to prove it is dropped, so that it reconnects and subscribes again.
   */
  const checkConnections = async (): Promise<void> => {
    if (client.status !== 'ready' || subscriber.status !== 'ready') return;
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), commandTimeoutMs);
      timer.unref();
      probeArrived = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    try {
      await client.publish(probeChannel, '');
    } catch (error) {
      probeArrived = undefined;
      warn('probe', error);
      if (isTimeout(error)) client.disconnect(true);
      return;
    }
    if (!(await arrived)) {
      warn('probe', new Error('the event subscription stopped delivering; reconnecting it'));
      subscriber.disconnect(true);
    }
    probeArrived = undefined;
  };

  let ticking = false;
  const ticker = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void Promise.all([presence.refresh(), checkConnections()]).finally(() => (ticking = false));
  }, Math.max(1, Math.floor(sessionTtlMs / 3)));
  ticker.unref();

  let closing: Promise<void> | undefined;
  return {
    presence: presence.registry,
    nodes: redisNodes(client, keys, now),
    statusSubscriptions: redisStatusSubscriptions(client, prefix),
    publish: async (event) => {
      await inTurn((pipeline) => pipeline.publish(keys.events, JSON.stringify(event)));
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    takeToken: async (key, perSecond, burst) => {
      try {
        return (await inTurn((pipeline) => pipeline.parleyTakeToken(keys.bucket(key), now(), perSecond, burst))) === 1;
      } catch (error) {
        // Fail open: an outage should not lock every user out; limits resume with Redis.
        warn('takeToken', error);
        return true;
      }
    },
    // PX takes whole milliseconds.
    claimOnce: async (key, ttlMs) => (await client.set(keys.claim(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK',
    close: () =>
      (closing ??= (async () => {
        clearInterval(ticker);
        listeners.clear();
        await presence.removeOwned();
        await Promise.all([quit(client, commandTimeoutMs), quit(subscriber, commandTimeoutMs)]);
      })()),
  };
}

export function redisKeys(prefix: string) {
  return {
    events: `${prefix}events`,
    sessionPrefix: `${prefix}session:`,
    session: (sessionId: string) => `${prefix}session:${sessionId}`,
    userIndex: (appKey: string, userId: string) => `${prefix}user-sessions:${encodeURIComponent(appKey)}:${encodeURIComponent(userId)}`,
    bucket: (key: string) => `${prefix}bucket:${key}`,
    claim: (key: string) => `${prefix}claim:${key}`,
    nodeExpiry: `${prefix}nodes`,
    nodeInfo: `${prefix}node-info`,
  };
}

type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * Presence in Redis, with this node's own sessions also kept here: this node is the truth about
 * them, Redis a copy that the periodic refresh rewrites in full (so a Redis that restarted empty
 * heals) and that expires on its own if this node dies.
 */
function redisPresence(client: ScriptedRedis, keys: RedisKeys, ttlMs: number, warn: (context: string, error: unknown) => void) {
  const owned = new Map<string, SessionEntry>();
  let refreshing: Promise<void> | undefined;
  let refreshAgain = false;

  const write = (target: ScriptedRedis | ScriptedPipeline, entry: SessionEntry) =>
    target.parleyPresenceAdd(keys.session(entry.sessionId), keys.userIndex(entry.appKey, entry.userId), entry.sessionId, JSON.stringify(entry), ttlMs);

  const writeOwned = async (): Promise<void> => {
    const entries = [...owned.values()];
    for (let start = 0; start < entries.length; start += REFRESH_BATCH) {
      const pipeline = client.pipeline() as ScriptedPipeline;
      for (const entry of entries.slice(start, start + REFRESH_BATCH)) write(pipeline, entry);
      await execOrThrow(pipeline);
    }
  };

  /** Rewrites every owned session; a call made while one runs makes it run once more. */
  const refresh = (): Promise<void> => {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        try {
          await writeOwned();
        } catch (error) {
          warn('presence refresh', error);
          return;
        }
      } while (refreshAgain);
    })().finally(() => (refreshing = undefined));
    return refreshing;
  };

  const registry: PresenceRegistry = {
    add: async (entry) => {
      owned.set(entry.sessionId, entry);
      try {
        await write(client, entry);
      } catch (error) {
        // The session is open on this node all the same; the next refresh writes it.
        warn('presence add', error);
      }
    },
    remove: async (sessionId) => {
      owned.delete(sessionId);
      // A refresh in flight may still rewrite this session: remove it after that.
      await refreshing;
      try {
        await client.parleyPresenceRemove(keys.session(sessionId), sessionId);
      } catch (error) {
        // Ours is no longer refreshed, so it expires within the TTL (or is gone with a restarted Redis).
        warn('presence remove', error);
      }
    },
    sessionsOf: async (appKey, userId) => {
      const raw = (await client.parleyPresenceOf(keys.userIndex(appKey, userId), keys.sessionPrefix)) as string[];
      return raw.map((entry) => JSON.parse(entry) as SessionEntry).sort((a, b) => a.connectedAt - b.connectedAt);
    },
  };

  /** Graceful shutdown: this node's sessions go at once instead of after the TTL. */
  const removeOwned = async (): Promise<void> => {
    await refreshing;
    const ids = [...owned.keys()];
    owned.clear();
    try {
      for (let start = 0; start < ids.length; start += REFRESH_BATCH) {
        const pipeline = client.pipeline() as ScriptedPipeline;
        for (const id of ids.slice(start, start + REFRESH_BATCH)) pipeline.parleyPresenceRemove(keys.session(id), id);
        await pipeline.exec();
      }
    } catch (error) {
      warn('presence remove', error);
    }
  };

  return { registry, refresh, removeOwned };
}

/** Expiry in a sorted set (by this clock) beside a hash of what each node announced. */
function redisNodes(client: ScriptedRedis, keys: RedisKeys, now: () => number): NodeRegistry {
  return {
    announce: async (node, ttlMs) => {
      await execOrThrow(client.multi().zadd(keys.nodeExpiry, now() + ttlMs, node.nodeId).hset(keys.nodeInfo, node.nodeId, JSON.stringify(node)));
    },
    withdraw: async (nodeId) => {
      await execOrThrow(client.multi().zrem(keys.nodeExpiry, nodeId).hdel(keys.nodeInfo, nodeId));
    },
    live: async () => {
      const raw = (await client.parleyLiveNodes(keys.nodeExpiry, keys.nodeInfo, now(), MAX_NODES)) as (string | null)[];
      return raw
        .filter((info) => info !== null)
        .map((info) => JSON.parse(info) as NodeInfo)
        .sort((a, b) => a.connections - b.connections);
    },
  };
}

/** A record, so that a reason added to DropReason cannot be forgotten here (events with it would be dropped). */
const dropReasons: Readonly<Record<DropReason, true>> = {
  kicked: true,
  'user-blocked': true,
  'user-deactivated': true,
  'token-expired': true,
  'app-blocked': true,
  'app-deleted': true,
  'app-secret-rotated': true,
};
const isDropReason = (value: unknown): boolean => typeof value === 'string' && Object.hasOwn(dropReasons, value);

/**
 * The event in a channel message, or undefined for anything else: a node of another version may
 * publish kinds this one does not know, and one bad message must not reach the listeners.
 */
function parseEvent(message: string): BusEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Record<string, unknown>;
  const isString = (field: string) => typeof event[field] === 'string';
  switch (event.kind) {
    case 'drop-user':
      return isString('appKey') && isString('userId') && isDropReason(event.reason) ? (event as BusEvent) : undefined;
    case 'drop-session':
      return isString('sessionId') && isDropReason(event.reason) ? (event as BusEvent) : undefined;
    case 'app-changed':
      return isString('appKey') ? (event as BusEvent) : undefined;
    case 'user-status': {
      const s = event.status as Record<string, unknown> | null;
      const wellFormed =
        isString('appKey') &&
        isStringList(event.userIds) &&
        typeof s === 'object' &&
        s !== null &&
        typeof s.userId === 'string' &&
        typeof s.time === 'number' &&
        Array.isArray(s.platforms) &&
        s.platforms.every((p: unknown) => typeof p === 'object' && p !== null && typeof (p as Record<string, unknown>).platform === 'number' && typeof (p as Record<string, unknown>).online === 'boolean');
      return wellFormed ? (event as BusEvent) : undefined;
    }
    case 'chatroom':
      return isString('appKey') && isString('origin') && isChatroomChange(event.change) ? (event as BusEvent) : undefined;
    case 'command':
      return isString('appKey') && isStringList(event.userIds) && typeof event.notifyType === 'number' && typeof event.time === 'number' && optionalString(event.exceptSessionId)
        ? (event as BusEvent)
        : undefined;
    case 'live-message': {
      const m = event.message as Record<string, unknown> | null;
      const wellFormed =
        isString('appKey') &&
        isStringList(event.userIds) &&
        optionalString(event.exceptSessionId) &&
        typeof m === 'object' &&
        m !== null &&
        ['senderId', 'targetId', 'objectName', 'content'].every((f) => typeof m[f] === 'string') &&
        ['conversationType', 'sentTime', 'flags'].every((f) => typeof m[f] === 'number');
      return wellFormed ? (event as BusEvent) : undefined;
    }
    case 'inbox': {
      const notices = event.notices;
      const wellFormed =
        isString('appKey') &&
        (event.exceptSessionId === undefined || isString('exceptSessionId')) &&
        Array.isArray(notices) &&
        notices.every((n: unknown) => typeof n === 'object' && n !== null && typeof (n as Record<string, unknown>).userId === 'string' && typeof (n as Record<string, unknown>).cursor === 'number');
      return wellFormed ? (event as BusEvent) : undefined;
    }
    default:
      return undefined;
  }
}

/** The shape check of a chatroom change; what it means is checked by the node that made it. */
function isChatroomChange(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const change = value as Record<string, unknown>;
  // A ban holds in every room of the app: it names none.
  if (change.op === 'ban') return isStringList(change.userIds) && typeof change.until === 'number' && typeof change.time === 'number';
  if (typeof change.roomId !== 'string') return false;
  switch (change.op) {
    case 'create':
      return typeof change.name === 'string' && typeof change.time === 'number';
    case 'destroy':
      return true;
    case 'join':
    case 'quit':
      return typeof change.userId === 'string' && typeof change.time === 'number';
    case 'live': {
      const m = change.message as Record<string, unknown> | null;
      return typeof m === 'object' && m !== null && ['senderId', 'senderSessionId', 'objectName', 'content'].every((f) => typeof m[f] === 'string') && ['flags', 'time'].every((f) => typeof m[f] === 'number');
    }
    case 'message': {
      const m = change.message as Record<string, unknown> | null;
      return typeof m === 'object' && m !== null && ['uid', 'senderId', 'senderSessionId', 'objectName', 'content'].every((f) => typeof m[f] === 'string') && ['flags', 'time'].every((f) => typeof m[f] === 'number');
    }
    case 'kv':
      return (
        typeof change.time === 'number' &&
        Array.isArray(change.entries) &&
        change.entries.every((e: unknown) => {
          const entry = e as Record<string, unknown> | null;
          return typeof entry === 'object' && entry !== null && ['key', 'value', 'userId'].every((f) => typeof entry[f] === 'string') && ['autoDelete', 'deleted'].every((f) => typeof entry[f] === 'boolean');
        })
      );
    case 'gag':
      return isStringList(change.userIds) && typeof change.until === 'number';
    case 'block':
      return isStringList(change.userIds) && typeof change.until === 'number' && typeof change.time === 'number';
    default:
      return false;
  }
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

/** Runs a pipeline or transaction; ioredis reports a failed command in its reply list, not by rejecting. */
/**
 * Sends the commands given in one event-loop turn as one pipeline: one write and one read for the
 * rate checks of all the sends read in that turn, or the notices of all the sends one commit
 * acknowledged, instead of one of each per command. Each command still gets its own reply or error.
 * (ioredis's auto-pipelining would do the same, but holds a turn's pipeline until the previous one's
 * replies are in; these go out at once.)
 */
function pipelinePerTurn(client: ScriptedRedis): (add: (pipeline: ScriptedPipeline) => void) => Promise<unknown> {
  let queued: { add: (pipeline: ScriptedPipeline) => void; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
  const send = (): void => {
    const batch = queued;
    queued = [];
    const pipeline = client.pipeline() as ScriptedPipeline;
    for (const command of batch) command.add(pipeline);
    pipeline.exec().then(
      (replies) =>
        batch.forEach((command, i) => {
          const [error, value] = replies?.[i] ?? [new Error('no reply in the pipeline'), undefined];
          if (error) command.reject(error);
          else command.resolve(value);
        }),
      (error: unknown) => batch.forEach((command) => command.reject(error)),
    );
  };
  return (add) =>
    new Promise((resolve, reject) => {
      if (queued.length === 0) setImmediate(send);
      queued.push({ add, resolve, reject });
    });
}

async function execOrThrow(batch: ChainableCommander): Promise<void> {
  for (const [error] of (await batch.exec()) ?? []) {
    if (error) throw error;
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/**
 * QUIT, which lets replies in flight arrive; a connection that is down (QUIT is refused without an
 * offline queue) or does not answer is dropped instead, which also stops its reconnecting.
 */
async function quit(connection: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const answered = await Promise.race([
    connection.quit().then(
      () => true,
      () => false,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!answered) connection.disconnect();
}
