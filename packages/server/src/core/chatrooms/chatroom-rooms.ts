import { AckStatus } from '@parley/protocol';

/**
 * Chatrooms as RongCloud runs them: a live stream with a short history, never part of the
 * exactly-once inbox. Every node keeps a replica of every room of every app in memory, changed only
 * by `apply` with the changes the bus carries (chatroom-service.ts), so this file is the rules and
 * the state, with no I/O and no clock of its own.
 */

/**
 * The newest messages a room keeps for joins, pulls and history by default (`--chatroom-history`
 * sets it), and the most one join or history page returns, as RongCloud serves them.
 */
export const CHATROOM_HISTORY = 50;
/** The most `--chatroom-history` may keep per room: rooms live in every node's memory. */
export const CHATROOM_HISTORY_MAX = 1000;
/** Members a room holds at most; one more join is answered CHATROOM_IS_FULL. */
export const CHATROOM_MAX_MEMBERS = 10_000;
/** Rooms an app holds at most (created by joins or the Server API). */
export const CHATROOM_MAX_ROOMS_PER_APP = 10_000;
/** How long a member may be without any connection before their membership ends, ms. */
export const CHATROOM_IDLE_GRACE_MS = 30_000;
/** Messages per second one room takes (a burst of twice that); past it, 20604. */
export const CHATROOM_MESSAGES_PER_SECOND = 100;
/** The most messages one pull returns; the SDK pulls again while notices are ahead of it. */
export const CHATROOM_PULL_PAGE = 50;
/** The most members one info query lists (the SDK asks for 0..20). */
export const CHATROOM_INFO_MAX_MEMBERS = 20;
/** A chatroom id: the SDK's target id rule (at most 64 characters of letters, digits, `_` and `-`). */
export const CHATROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Key-values: RongCloud's limits (the SDK checks key and value shape before sending, too). */
export const CHATROOM_KV_KEY_PATTERN = /^[A-Za-z0-9_=+-]{1,128}$/;
export const CHATROOM_KV_MAX_VALUE_LENGTH = 4096;
export const CHATROOM_KV_MAX_KEYS = 100;
/** Entries one batch (setKVS/delKVS) changes at most, as the SDK allows. */
export const CHATROOM_KV_MAX_BATCH = 10;
/** Key-value changes per second one room takes (a burst of twice that); past it, 23425. */
export const CHATROOM_KV_CHANGES_PER_SECOND = 100;
/** Removed keys remembered for incremental pulls; an older version gets the full set instead. */
const KV_TOMBSTONES = 200;

/** `ChrmKVEntity.status` bits. */
export const KvStatus = { AUTO_DELETE: 1, OVERWRITE: 2, DELETED: 4 } as const;

export interface RoomMessage {
  uid: string;
  senderId: string;
  /** The sending device, which already has the message and is left out of its pulls. */
  senderSessionId: string;
  objectName: string;
  content: string;
  flags: number;
  /** Strictly increasing within the room on each node: the pull cursor. */
  time: number;
  clientUniqueId?: string;
}

/**
 * A message that is not kept (no PERSISTED flag: typing and other status messages, commands): it
 * goes live to the members online when it is sent, and never into the room's history or pulls.
 */
export type LiveRoomMessage = Omit<RoomMessage, 'uid' | 'clientUniqueId'>;

export interface KvEntry {
  key: string;
  value: string;
  userId: string;
  /** Strictly increasing within the room: the pullKV cursor. */
  version: number;
  autoDelete: boolean;
  deleted: boolean;
}

export interface Room {
  id: string;
  name: string;
  createdAt: number;
  /** Member user id → when they joined. */
  members: Map<string, number>;
  /** The newest messages, oldest first (times strictly increasing), at most the rooms' history size. */
  messages: RoomMessage[];
  lastTime: number;
  kv: Map<string, KvEntry>;
  kvVersion: number;
  /** Pulls from before this version cannot be answered incrementally (tombstones dropped). */
  kvHorizon: number;
  /** Muted user id → until (ms). */
  gagged: Map<string, number>;
  /** Blocked (kicked out, may not join) user id → until (ms). */
  blocked: Map<string, number>;
}

/** What changes rooms; each travels on the bus and every node applies it to its replica. */
export type ChatroomChange =
  | { op: 'create'; roomId: string; name: string; time: number }
  | { op: 'destroy'; roomId: string }
  | { op: 'join'; roomId: string; userId: string; time: number }
  | { op: 'quit'; roomId: string; userId: string; time: number }
  | { op: 'message'; roomId: string; message: RoomMessage }
  | { op: 'live'; roomId: string; message: LiveRoomMessage }
  | { op: 'kv'; roomId: string; entries: Omit<KvEntry, 'version'>[]; time: number }
  | { op: 'gag'; roomId: string; userIds: string[]; until: number }
  /** Blocks users from the room until `until` (0 lifts it); blocking also ends their membership. */
  | { op: 'block'; roomId: string; userIds: string[]; until: number; time: number }
  /** Mutes users in every chatroom of the app until `until` (0 lifts it). */
  | { op: 'ban'; userIds: string[]; until: number; time: number };

/** What applying a change did, for the notices it calls for. */
export type Applied =
  | { kind: 'none' }
  | { kind: 'message'; message: RoomMessage; members: string[] }
  | { kind: 'live'; message: LiveRoomMessage; members: string[] }
  | { kind: 'kv'; version: number; members: string[] }
  | { kind: 'destroyed'; members: string[] };

/** The rooms of every app, as this node knows them. */
export class ChatroomRooms {
  private readonly apps = new Map<string, Map<string, Room>>();

  /** @param historySize the newest messages each room keeps */
  constructor(private readonly historySize = CHATROOM_HISTORY) {}

  /** App key → user id → until (ms): muted in every room of the app. */
  private readonly bans = new Map<string, Map<string, number>>();

  get(appKey: string, roomId: string): Room | undefined {
    return this.apps.get(appKey)?.get(roomId);
  }

  roomsOf(appKey: string): Room[] {
    return [...(this.apps.get(appKey)?.values() ?? [])];
  }

  /** Whether a create could add this room (it exists already, or the app has room for one more). */
  mayCreate(appKey: string, roomId: string): boolean {
    const rooms = this.apps.get(appKey);
    return rooms?.has(roomId) === true || (rooms?.size ?? 0) < CHATROOM_MAX_ROOMS_PER_APP;
  }

  /** Users muted in every room of the app, with until when. */
  bansOf(appKey: string): ReadonlyMap<string, number> {
    return this.bans.get(appKey) ?? new Map<string, number>();
  }

  /** Whether the user is muted in every room of the app at `now`. */
  isBanned(appKey: string, userId: string, now: number): boolean {
    return (this.bans.get(appKey)?.get(userId) ?? 0) > now;
  }

  apply(appKey: string, change: ChatroomChange): Applied {
    if (change.op === 'ban') {
      let banned = this.bans.get(appKey);
      if (!banned) this.bans.set(appKey, (banned = new Map()));
      setUntil(banned, change.userIds, change.until, change.time);
      if (banned.size === 0) this.bans.delete(appKey);
      return { kind: 'none' };
    }
    let rooms = this.apps.get(appKey);
    if (change.op === 'create') {
      if (!rooms) this.apps.set(appKey, (rooms = new Map()));
      if (!rooms.has(change.roomId) && rooms.size < CHATROOM_MAX_ROOMS_PER_APP) rooms.set(change.roomId, newRoom(change.roomId, change.name, change.time));
      return { kind: 'none' };
    }
    const room = rooms?.get(change.roomId);
    if (!rooms || !room) return { kind: 'none' };
    switch (change.op) {
      case 'destroy':
        rooms.delete(change.roomId);
        if (rooms.size === 0) this.apps.delete(appKey);
        return { kind: 'destroyed', members: [...room.members.keys()] };
      case 'join':
        if (!room.members.has(change.userId) && room.members.size < CHATROOM_MAX_MEMBERS) room.members.set(change.userId, change.time);
        return { kind: 'none' };
      case 'quit':
        return this.leave(room, [change.userId], change.time);
      case 'message': {
        const time = Math.max(change.message.time, room.lastTime + 1);
        const message = { ...change.message, time };
        room.lastTime = time;
        room.messages.push(message);
        if (room.messages.length > this.historySize) room.messages.splice(0, room.messages.length - this.historySize);
        return { kind: 'message', message, members: [...room.members.keys()] };
      }
      case 'live':
        return { kind: 'live', message: change.message, members: [...room.members.keys()] };
      case 'kv': {
        const version = this.writeKv(room, change.entries, change.time);
        return { kind: 'kv', version, members: [...room.members.keys()] };
      }
      case 'gag':
        for (const userId of change.userIds) {
          if (change.until > 0) room.gagged.set(userId, change.until);
          else room.gagged.delete(userId);
        }
        return { kind: 'none' };
      case 'block':
        setUntil(room.blocked, change.userIds, change.until, change.time);
        return change.until > 0 ? this.leave(room, change.userIds, change.time) : { kind: 'none' };
    }
  }

  /** Ends these memberships; the key-values the leavers set to go with them are deleted. */
  private leave(room: Room, userIds: readonly string[], time: number): Applied {
    const left = new Set(userIds.filter((userId) => room.members.delete(userId)));
    if (left.size === 0) return { kind: 'none' };
    const own = [...room.kv.values()].filter((e) => left.has(e.userId) && e.autoDelete && !e.deleted);
    if (own.length === 0) return { kind: 'none' };
    const version = this.writeKv(room, own.map((e) => ({ ...e, deleted: true })), time);
    return { kind: 'kv', version, members: [...room.members.keys()] };
  }

  private writeKv(room: Room, entries: readonly Omit<KvEntry, 'version'>[], time: number): number {
    for (const entry of entries) {
      room.kvVersion = Math.max(time, room.kvVersion + 1);
      room.kv.delete(entry.key);
      room.kv.set(entry.key, { ...entry, version: room.kvVersion });
    }
    const tombstones = [...room.kv.values()].filter((e) => e.deleted);
    for (const dropped of tombstones.slice(0, Math.max(0, tombstones.length - KV_TOMBSTONES))) {
      room.kv.delete(dropped.key);
      room.kvHorizon = Math.max(room.kvHorizon, dropped.version);
    }
    return room.kvVersion;
  }
}

/** Sets (or, for `until` 0, lifts) these users' entries, dropping those run out by `now`. */
function setUntil(entries: Map<string, number>, userIds: readonly string[], until: number, now: number): void {
  for (const [userId, end] of entries) if (end <= now) entries.delete(userId);
  for (const userId of userIds) {
    if (until > 0) entries.set(userId, until);
    else entries.delete(userId);
  }
}

function newRoom(id: string, name: string, time: number): Room {
  // The cursor starts at the creation, never 0: a pull from 0 is the SDK's first pull after a join.
  return { id, name, createdAt: time, members: new Map(), messages: [], lastTime: time, kv: new Map(), kvVersion: 0, kvHorizon: 0, gagged: new Map(), blocked: new Map() };
}

/**
 * A chatroom pull: from `syncTime` 0 (just joined) the newest `count` messages (none for a
 * negative count) and the room's newest time as the cursor; after that, every message past the
 * cursor, a page at a time, leaving out what the asking device sent itself.
 */
export function pullPage(room: Room, syncTime: number, count: number, sessionId: string): { messages: RoomMessage[]; syncTime: number } {
  if (syncTime <= 0) {
    const n = Math.min(Math.max(0, Math.trunc(count)), CHATROOM_HISTORY);
    return { messages: n === 0 ? [] : room.messages.slice(-n), syncTime: room.lastTime };
  }
  // Every member pulls after every message: a search, not a scan of the whole history.
  const start = firstAfter(room.messages, syncTime);
  const after = room.messages.slice(start, start + CHATROOM_PULL_PAGE);
  return { messages: after.filter((m) => m.senderSessionId !== sessionId), syncTime: after.at(-1)?.time ?? Math.max(syncTime, room.lastTime) };
}

/** The index of the first message later than `time` (messages are in strictly increasing time). */
function firstAfter(messages: readonly RoomMessage[], time: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (messages[mid]!.time > time) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * A page of chatroom history: `older` the newest `count` before `time`, newest first; otherwise the
 * oldest `count` after it, oldest first. `hasMore` says more lie beyond the page.
 */
export function historyPage(room: Room, time: number, count: number, older: boolean): { messages: RoomMessage[]; hasMore: boolean } {
  if (older) {
    const end = time <= 0 ? room.messages.length : firstAfter(room.messages, time - 1);
    const page = room.messages.slice(Math.max(0, end - count), end).reverse();
    return { messages: page, hasMore: end > page.length };
  }
  const start = firstAfter(room.messages, time);
  return { messages: room.messages.slice(start, start + count), hasMore: room.messages.length - start > count };
}

/** `order` 1: earliest joins first; 2: latest first (QueryChatRoomInfoInput). */
export function memberPage(room: Room, count: number, order: number): { id: string; time: number }[] {
  const n = Math.min(Math.max(0, Math.trunc(count)), CHATROOM_INFO_MAX_MEMBERS);
  if (n === 0) return [];
  const all = [...room.members].map(([id, time]) => ({ id, time }));
  // Maps keep insertion order, which is join order.
  return (order === 2 ? all.reverse() : all).slice(0, n);
}

/**
 * What a key-value change asks, checked against the room (and `addedBefore` new keys earlier in
 * the same batch): a status to refuse it with, or undefined.
 */
export function kvRefusal(room: Room, userId: string, key: string, value: string, options: { remove: boolean; force: boolean }, addedBefore = 0): number | undefined {
  if (!CHATROOM_KV_KEY_PATTERN.test(key)) return AckStatus.CHATROOM_PARAMETER_INVALID;
  const current = room.kv.get(key);
  const live = current && !current.deleted ? current : undefined;
  if (options.remove) {
    if (!live) return AckStatus.CHATROOM_KEY_NOT_EXIST;
    return live.userId !== userId && !options.force ? AckStatus.CHATROOM_KV_OVERWRITE_INVALID : undefined;
  }
  if (value.length < 1 || value.length > CHATROOM_KV_MAX_VALUE_LENGTH) return AckStatus.CHATROOM_PARAMETER_INVALID;
  if (live) return live.userId !== userId && !options.force ? AckStatus.CHATROOM_KV_OVERWRITE_INVALID : undefined;
  const count = [...room.kv.values()].filter((e) => !e.deleted).length;
  return count + addedBefore >= CHATROOM_KV_MAX_KEYS ? AckStatus.CHATROOM_KV_EXCEED : undefined;
}

/** Key-value changes after `version`, or every live entry (`full`) when the room no longer remembers that far back. */
export function kvChangesSince(room: Room, version: number): { entries: KvEntry[]; full: boolean; version: number } {
  const full = version <= 0 || version < room.kvHorizon;
  const entries = [...room.kv.values()].filter((e) => (full ? !e.deleted : e.version > version));
  return { entries, full, version: Math.max(version, room.kvVersion) };
}

/** Whether a user is muted in the room at `now`. */
export function isGagged(room: Room, userId: string, now: number): boolean {
  return (room.gagged.get(userId) ?? 0) > now;
}

/** Whether a user is blocked from the room at `now`. */
export function isBlocked(room: Room, userId: string, now: number): boolean {
  return (room.blocked.get(userId) ?? 0) > now;
}
