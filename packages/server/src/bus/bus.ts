import type { NavigationProtocol } from '@parley/protocol';

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
  /** The app's record changed (state, secret or settings): nodes re-read it and end the sessions it no longer admits. */
  | { kind: 'app-changed'; appKey: string }
  /**
   * From the bus itself, never published: its event path was down and is back, so events published
   * meanwhile by any node are lost. Listeners re-check what such events could have said.
   */
  | { kind: 'resync' };

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
