import type { NavigationProtocol } from '@parley/protocol';
import type { ChatroomChange } from '../core/chatrooms/chatroom-rooms.js';

/**
 * The bus port: what nodes share besides storage. The in-process implementation serves a single
 * node; the Redis one (cluster mode) makes the same calls work across processes.
 */
export type PlatformClass = 'mobile' | 'desktop' | 'web' | 'server';

export interface SessionEntry {
  sessionId: string;
  appKey: string;
  userId: string;
  platform: PlatformClass;
  deviceId: string;
  connectedAt: number;
}

/** Why the server ends live sessions; the gateway turns each into a DISCONNECT status. */
export type DropReason =
  | 'kicked'
  | 'user-blocked'
  | 'user-deactivated'
  | 'token-expired'
  | 'app-blocked'
  | 'app-deleted'
  /** The session's token was made with a key the app's current secret no longer derives. */
  | 'app-secret-rotated';

/** What a live (never stored) message carries across nodes. */
export interface LiveMessage {
  senderId: string;
  conversationType: number;
  /** The group, or for a private message the recipient. */
  targetId: string;
  objectName: string;
  content: string;
  sentTime: number;
  flags: number;
}

/** A user's inbox grew to `cursor`: their online devices should pull. */
export interface InboxNotice {
  userId: string;
  cursor: number;
}

export type BusEvent =
  | { kind: 'drop-user'; appKey: string; userId: string; reason: DropReason }
  | { kind: 'drop-session'; sessionId: string; reason: DropReason }
  /** `exceptSessionId`: the device that sent the message already has it. */
  | { kind: 'inbox'; appKey: string; notices: InboxNotice[]; exceptSessionId?: string }
  /**
   * Something other than the inbox changed for these users (an edit, read state): their online
   * devices get an `s_cmd` of `notifyType` (NotifyType in @parley/protocol) and fetch what it names.
   */
  | { kind: 'command'; appKey: string; userIds: string[]; notifyType: number; time: number; exceptSessionId?: string }
  /**
   * A message that is not stored (typing and other status messages): the users' online devices
   * get it as `s_msg` (a DownStreamMessage, encoded for each device by the gateway), or never.
   */
  | { kind: 'live-message'; appKey: string; userIds: string[]; message: LiveMessage; exceptSessionId?: string }
  /**
   * A chatroom changed (core/chatrooms/chatroom-rooms.ts): every node applies it to its replica of
   * the rooms and notifies its own members; `origin` is the node that made it, which applied it already.
   */
  | { kind: 'chatroom'; appKey: string; origin: string; change: ChatroomChange }
  /** The app's record changed (state, secret or settings): nodes re-read it and end the sessions it no longer admits. */
  | { kind: 'app-changed'; appKey: string }
  /** A user went online or offline on some platforms: the online devices of `userIds`, their subscribers, get an `s_stat`. */
  | { kind: 'user-status'; appKey: string; userIds: string[]; status: UserStatusChange }
  /**
   * From the bus itself, never published: its event path was down and is back, so events published
   * meanwhile by any node are lost. Listeners re-check what such events could have said.
   */
  | { kind: 'resync' };

/** Platforms (OnlinePlatform in @parley/protocol) of a user whose online status changed at `time`. */
export interface UserStatusChange {
  userId: string;
  time: number;
  platforms: { platform: number; online: boolean }[];
}

/** A user's subscription to another user's online status. */
export interface StatusSubscription {
  subjectId: string;
  subscribedAt: number;
  expiresAt: number;
}

export type SubscribeOutcome =
  | { ok: true }
  /** The subscriber would hold more than `perSubscriber` live subscriptions. */
  | { ok: false; reason: 'subscriber-full' }
  /** These subjects already have `perSubject` other live subscribers. */
  | { ok: false; reason: 'subject-full'; subjectIds: string[] };

/**
 * Who subscribes to whose online status, kept beside presence (no table: a subscription lives at
 * most 30 days and is renewed by the client). Both directions are indexed: the subscriber lists
 * theirs, a change of the subject finds its subscribers. Expired subscriptions are never returned.
 */
export interface StatusSubscriptionRegistry {
  /** Adds or renews all of `subjectIds` or, past a limit, none. */
  subscribe(
    appKey: string,
    subscriberId: string,
    subjectIds: readonly string[],
    times: { now: number; expiresAt: number },
    limits: { perSubscriber: number; perSubject: number },
  ): Promise<SubscribeOutcome>;
  unsubscribe(appKey: string, subscriberId: string, subjectIds: readonly string[]): Promise<void>;
  subscriptionsOf(appKey: string, subscriberId: string, now: number): Promise<StatusSubscription[]>;
  subscribersOf(appKey: string, subjectId: string, now: number): Promise<string[]>;
}

export interface PresenceRegistry {
  add(entry: SessionEntry): Promise<void>;
  remove(sessionId: string): Promise<void>;
  sessionsOf(appKey: string, userId: string): Promise<SessionEntry[]>;
}

/** A gateway node as navigation sees it. */
export interface NodeInfo {
  nodeId: string;
  /** `host:port` clients reach the node's gateway at. */
  address: string;
  protocol: typeof NavigationProtocol.WS | typeof NavigationProtocol.WSS;
  /**
   * `host:port`s where the node takes RongCloud's native stack (RMTP over TCP): its HTTP port and,
   * when it has one, its native port. Absent in announcements of older nodes.
   */
  nativeAddresses?: string[];
  /** RMTP over TCP, or over TLS when the node has a certificate: it then offers nothing in the clear. */
  nativeProtocol?: typeof NavigationProtocol.TCP | typeof NavigationProtocol.TLS;
  connections: number;
}

/** Each node announces itself this often (server.ts), and is trusted for three times as long. */
export const NODE_ANNOUNCE_EVERY_MS = 2000;
export const NODE_ANNOUNCE_TTL_MS = 3 * NODE_ANNOUNCE_EVERY_MS;

export interface NodeRegistry {
  /** Says this node is alive (with its current load) for the next `ttlMs`; repeated periodically. */
  announce(node: NodeInfo, ttlMs: number): Promise<void>;
  /** Forgets a node at once (graceful shutdown). */
  withdraw(nodeId: string): Promise<void>;
  /** Nodes whose last announcement has not expired, least loaded first. */
  live(): Promise<NodeInfo[]>;
}

export interface Bus {
  readonly presence: PresenceRegistry;
  readonly nodes: NodeRegistry;
  readonly statusSubscriptions: StatusSubscriptionRegistry;
  publish(event: BusEvent): Promise<void>;
  subscribe(listener: (event: BusEvent) => void): () => void;
  /**
   * Token bucket: takes one token from the bucket named `key` (refilled at `perSecond`, holding at
   * most `burst`) and says whether there was one.
   */
  takeToken(key: string, perSecond: number, burst: number): Promise<boolean>;
  /** True the first time `key` is claimed within `ttlMs`; used to refuse replayed nonces. */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}
