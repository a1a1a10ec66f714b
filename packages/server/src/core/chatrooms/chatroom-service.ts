import { randomUUID } from 'node:crypto';
import { AckStatus, ConversationType, MAX_MESSAGE_CONTENT_BYTES, MessageFlag, NotifyType, Topic, type NotifyMsg } from '@parley/protocol';
import type { Bus, BusEvent, LiveMessage } from '../../bus/bus.js';
import { MessageUidSource } from '../messaging/message-uid.js';
import {
  CHATROOM_ID_PATTERN,
  CHATROOM_IDLE_GRACE_MS,
  CHATROOM_KV_CHANGES_PER_SECOND,
  CHATROOM_KV_MAX_BATCH,
  CHATROOM_MAX_MEMBERS,
  CHATROOM_MESSAGES_PER_SECOND,
  ChatroomRooms,
  historyPage,
  isBlocked,
  isGagged,
  kvChangesSince,
  kvRefusal,
  KvStatus,
  memberPage,
  pullPage,
  type Applied,
  type ChatroomChange,
  type KvEntry,
  type Room,
  type RoomMessage,
} from './chatroom-rooms.js';

/** Who asks: the session's app, user and device. */
export interface ChatroomCaller {
  appKey: string;
  userId: string;
  sessionId: string;
}

/** Pushes a notice to the devices of these users that this node holds (the gateway does it). */
export type ChatroomNotifier = (appKey: string, userIds: readonly string[], topic: typeof Topic.s_ntf | typeof Topic.s_cmd, notice: NotifyMsg, exceptSessionId?: string) => void;

/** Sends a live message (`s_msg`) to the devices of these users that this node holds (the gateway does it). */
export type ChatroomLivePusher = (appKey: string, userIds: readonly string[], message: LiveMessage, exceptSessionId?: string) => void;

export type Refused = { ok: false; status: number };
export type Outcome<T> = ({ ok: true } & T) | Refused;

export interface JoinInfo {
  joinTime: number;
  createTime: number;
  memberCount: number;
  /** `chatroomBanState` bit 2: the user is muted here. */
  muted: boolean;
}

export interface KvChange {
  key: string;
  value: string;
  autoDelete: boolean;
  force: boolean;
}

export interface KvResult {
  /** Keys refused, each with its status (only a batch lists them). */
  errorKeys: { key: string; errorCode: number }[];
  versions: { key: string; version: number }[];
}

/** What a message sent to a room carries. */
export interface ChatroomSend {
  objectName: string;
  content: string;
  flags: number;
  clientUniqueId?: string;
}

const refuse = (status: number): Refused => ({ ok: false, status });

/** How often memberships made through this node are checked for members gone idle. */
const IDLE_CHECK_EVERY_MS = 5000;

/**
 * Chatrooms: joins, messages, history, info and key-values over the rooms replica (chatroom-rooms.ts).
 * A change is applied here at once and published on the bus; other nodes apply it when it arrives,
 * and each node notifies its own members (s_ntf type 2 for messages, s_cmd 2 for key-values). A
 * membership made through this node ends once its user has had no session anywhere (presence) for
 * CHATROOM_IDLE_GRACE_MS, as RongCloud drops idle members; the SDK joins again when it reconnects.
 */
export class ChatroomService {
  readonly rooms: ChatroomRooms;
  private readonly nodeId = randomUUID();
  private readonly uids: MessageUidSource;
  private notifier: ChatroomNotifier = () => undefined;
  private live: ChatroomLivePusher = () => undefined;
  /** Memberships this node made: `app\0room\0user` → since when the user has had no session, if so. */
  private readonly localJoins = new Map<string, { appKey: string; roomId: string; userId: string; idleSince?: number }>();
  private readonly unsubscribe: () => void;
  private readonly idleTimer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly bus: Bus,
    private readonly now: () => number,
    options: { historySize?: number } = {},
  ) {
    this.rooms = new ChatroomRooms(options.historySize);
    this.uids = new MessageUidSource(now);
    this.unsubscribe = bus.subscribe(this.onBusEvent);
    this.idleTimer = setInterval(() => void this.endIdleMemberships(), IDLE_CHECK_EVERY_MS);
    this.idleTimer.unref();
  }

  /** Where notices and live messages go; set once the gateway exists. */
  attach(notifier: ChatroomNotifier, live?: ChatroomLivePusher): void {
    this.notifier = notifier;
    if (live) this.live = live;
  }

  close(): void {
    clearInterval(this.idleTimer);
    this.unsubscribe();
  }

  /** `joinChrm` creates the room when missing (as RongCloud's joinChatRoom); `joinChrmR` does not. */
  async join(caller: ChatroomCaller, roomId: string, create: boolean): Promise<Outcome<JoinInfo>> {
    if (!CHATROOM_ID_PATTERN.test(roomId)) return refuse(AckStatus.CHATROOM_PARAMETER_INVALID);
    const now = this.now();
    if (!this.rooms.get(caller.appKey, roomId)) {
      if (!create) return refuse(AckStatus.CHATROOM_NOT_EXIST);
      if (!this.rooms.mayCreate(caller.appKey, roomId)) return refuse(AckStatus.CHATROOM_IS_FULL);
      await this.change(caller.appKey, { op: 'create', roomId, name: roomId, time: now });
    }
    const room = this.rooms.get(caller.appKey, roomId);
    if (!room) return refuse(AckStatus.CHATROOM_NOT_EXIST);
    if (isBlocked(room, caller.userId, now)) return refuse(AckStatus.CHATROOM_USER_KICKED);
    if (!room.members.has(caller.userId) && room.members.size >= CHATROOM_MAX_MEMBERS) return refuse(AckStatus.CHATROOM_IS_FULL);
    await this.change(caller.appKey, { op: 'join', roomId, userId: caller.userId, time: now });
    this.localJoins.set(joinKey(caller.appKey, roomId, caller.userId), { appKey: caller.appKey, roomId, userId: caller.userId });
    return { ok: true, joinTime: room.members.get(caller.userId) ?? now, createTime: room.createdAt, memberCount: room.members.size, muted: this.isMuted(caller.appKey, room, caller.userId, now) };
  }

  /** Leaving a room one is not in is no error: the SDK quits rooms it may have been dropped from. */
  async quit(appKey: string, userId: string, roomId: string): Promise<void> {
    this.localJoins.delete(joinKey(appKey, roomId, userId));
    if (!this.rooms.get(appKey, roomId)?.members.has(userId)) return;
    await this.change(appKey, { op: 'quit', roomId, userId, time: this.now() });
  }

  async send(caller: ChatroomCaller, roomId: string, message: ChatroomSend): Promise<Outcome<{ message: RoomMessage }>> {
    const member = this.memberRoom(caller, roomId);
    if (!member.ok) return member;
    const now = this.now();
    if (this.isMuted(caller.appKey, member.room, caller.userId, now)) return refuse(AckStatus.FORBIDDEN_IN_CHATROOM);
    if (Buffer.byteLength(message.content) > MAX_MESSAGE_CONTENT_BYTES) return refuse(AckStatus.MESSAGE_SIZE_EXCEEDED);
    if (!(await this.bus.takeToken(`chrm-msg:${caller.appKey}:${roomId}`, CHATROOM_MESSAGES_PER_SECOND, 2 * CHATROOM_MESSAGES_PER_SECOND))) {
      return refuse(AckStatus.SEND_FREQUENCY_TOO_FAST);
    }
    if ((message.flags & MessageFlag.PERSISTED) === 0) {
      // Not kept (a status message): live to the members online now, never in history or pulls.
      const live = { senderId: caller.userId, senderSessionId: caller.sessionId, objectName: message.objectName, content: message.content, flags: message.flags, time: now };
      await this.change(caller.appKey, { op: 'live', roomId, message: live });
      return { ok: true, message: { ...live, uid: '' } };
    }
    const sent: RoomMessage = {
      uid: this.uids.next(),
      senderId: caller.userId,
      senderSessionId: caller.sessionId,
      objectName: message.objectName,
      content: message.content,
      flags: message.flags,
      time: now,
      ...(message.clientUniqueId === undefined ? {} : { clientUniqueId: message.clientUniqueId }),
    };
    const applied = await this.change(caller.appKey, { op: 'message', roomId, message: sent });
    return { ok: true, message: applied.kind === 'message' ? applied.message : sent };
  }

  pull(caller: ChatroomCaller, roomId: string, syncTime: number, count: number): Outcome<{ messages: RoomMessage[]; syncTime: number }> {
    const member = this.memberRoom(caller, roomId);
    return member.ok ? { ok: true, ...pullPage(member.room, syncTime, count, caller.sessionId) } : member;
  }

  history(caller: ChatroomCaller, roomId: string, time: number, count: number, older: boolean): Outcome<{ messages: RoomMessage[]; hasMore: boolean }> {
    const member = this.memberRoom(caller, roomId);
    return member.ok ? { ok: true, ...historyPage(member.room, time, count, older) } : member;
  }

  /** The member count and a page of members: for members of the room only. */
  info(caller: ChatroomCaller, roomId: string, count: number, order: number): Outcome<{ total: number; members: { id: string; time: number }[] }> {
    const member = this.memberRoom(caller, roomId);
    return member.ok ? { ok: true, total: member.room.members.size, members: memberPage(member.room, count, order) } : member;
  }

  /**
   * Sets or removes key-values. A single change is refused with its status; a batch applies what
   * passes and names the rest in `errorKeys`. `notification`, when given, goes
   * to the room as the caller's message once something changed.
   */
  async changeKv(caller: ChatroomCaller, roomId: string, changes: readonly KvChange[], remove: boolean, batch: boolean, notification?: ChatroomSend): Promise<Outcome<KvResult>> {
    const member = this.memberRoom(caller, roomId);
    if (!member.ok) return member;
    if (changes.length === 0 || changes.length > CHATROOM_KV_MAX_BATCH) return refuse(AckStatus.CHATROOM_PARAMETER_INVALID);
    if (!(await this.bus.takeToken(`chrm-kv:${caller.appKey}:${roomId}`, CHATROOM_KV_CHANGES_PER_SECOND, 2 * CHATROOM_KV_CHANGES_PER_SECOND))) {
      return refuse(AckStatus.CHATROOM_SET_PROPERTY_OVER_FREQUENCY);
    }
    const errorKeys: KvResult['errorKeys'] = [];
    const accepted: Omit<KvEntry, 'version'>[] = [];
    let added = 0;
    for (const change of changes) {
      const status = kvRefusal(member.room, caller.userId, change.key, change.value, { remove, force: change.force }, added);
      if (status !== undefined || accepted.some((e) => e.key === change.key)) {
        errorKeys.push({ key: change.key, errorCode: status ?? AckStatus.CHATROOM_PARAMETER_INVALID });
        continue;
      }
      if (!remove && member.room.kv.get(change.key)?.deleted !== false) added++;
      accepted.push({ key: change.key, value: remove ? '' : change.value, userId: caller.userId, autoDelete: change.autoDelete, deleted: remove });
    }
    if (!batch && errorKeys[0]) return refuse(errorKeys[0].errorCode);
    if (accepted.length > 0) {
      await this.change(caller.appKey, { op: 'kv', roomId, entries: accepted, time: this.now() });
      if (notification) await this.send(caller, roomId, notification);
    }
    const versions = accepted.map((e) => ({ key: e.key, version: member.room.kv.get(e.key)?.version ?? 0 }));
    return { ok: true, errorKeys, versions };
  }

  pullKv(caller: ChatroomCaller, roomId: string, version: number): Outcome<{ entries: KvEntry[]; full: boolean; version: number }> {
    const member = this.memberRoom(caller, roomId);
    return member.ok ? { ok: true, ...kvChangesSince(member.room, version) } : member;
  }

  // The Server API's side (http/server-api/chatroom-routes.ts): the app's own calls, no membership needed.

  async create(appKey: string, rooms: readonly { id: string; name: string }[]): Promise<number | undefined> {
    if (rooms.some((r) => !CHATROOM_ID_PATTERN.test(r.id))) return AckStatus.CHATROOM_PARAMETER_INVALID;
    for (const room of rooms) {
      if (!this.rooms.mayCreate(appKey, room.id)) return AckStatus.CHATROOM_IS_FULL;
      if (!this.rooms.get(appKey, room.id)) await this.change(appKey, { op: 'create', roomId: room.id, name: room.name, time: this.now() });
    }
    return undefined;
  }

  async destroy(appKey: string, roomIds: readonly string[]): Promise<void> {
    for (const roomId of roomIds) {
      if (this.rooms.get(appKey, roomId)) await this.change(appKey, { op: 'destroy', roomId });
    }
  }

  /** Mutes users in a room for `minutes` (0 lifts it). */
  async gag(appKey: string, roomId: string, userIds: readonly string[], minutes: number): Promise<boolean> {
    if (!this.rooms.get(appKey, roomId)) return false;
    await this.change(appKey, { op: 'gag', roomId, userIds: [...userIds], until: minutes > 0 ? this.now() + minutes * 60_000 : 0 });
    return true;
  }

  /** Blocks users from a room for `minutes`, ending their membership (0 lifts it). */
  async block(appKey: string, roomId: string, userIds: readonly string[], minutes: number): Promise<boolean> {
    if (!this.rooms.get(appKey, roomId)) return false;
    const now = this.now();
    await this.change(appKey, { op: 'block', roomId, userIds: [...userIds], until: minutes > 0 ? now + minutes * 60_000 : 0, time: now });
    return true;
  }

  /** Mutes users in every chatroom of the app for `minutes` (0 lifts it). */
  async ban(appKey: string, userIds: readonly string[], minutes: number): Promise<void> {
    const now = this.now();
    await this.change(appKey, { op: 'ban', userIds: [...userIds], until: minutes > 0 ? now + minutes * 60_000 : 0, time: now });
  }

  /** Muted in this room, or in every room of the app. */
  private isMuted(appKey: string, room: Room, userId: string, now: number): boolean {
    return isGagged(room, userId, now) || this.rooms.isBanned(appKey, userId, now);
  }

  private memberRoom(caller: ChatroomCaller, roomId: string): { ok: true; room: Room } | Refused {
    const room = this.rooms.get(caller.appKey, roomId);
    if (!room) return refuse(CHATROOM_ID_PATTERN.test(roomId) ? AckStatus.NOT_IN_CHATROOM : AckStatus.CHATROOM_PARAMETER_INVALID);
    return room.members.has(caller.userId) ? { ok: true, room } : refuse(AckStatus.NOT_IN_CHATROOM);
  }

  /** Applies here, tells the members here, then tells the other nodes. */
  private async change(appKey: string, change: ChatroomChange): Promise<Applied> {
    const applied = this.applyAndNotify(appKey, change);
    try {
      await this.bus.publish({ kind: 'chatroom', appKey, origin: this.nodeId, change });
    } catch {
      // A live stream: if the bus is down the other nodes miss this change, as their members would
      // miss a message sent while their connection was down; this node's members have it already.
    }
    return applied;
  }

  private applyAndNotify(appKey: string, change: ChatroomChange): Applied {
    const applied = this.rooms.apply(appKey, change);
    if (change.op === 'ban') return applied;
    const roomId = change.roomId;
    // A blocked user's membership ended: no idle watch is left for it.
    if (change.op === 'block' && change.until > 0) for (const userId of change.userIds) this.localJoins.delete(joinKey(appKey, roomId, userId));
    switch (applied.kind) {
      case 'message':
        this.notifier(appKey, applied.members, Topic.s_ntf, { type: NotifyType.CHATROOM, time: applied.message.time, chrmId: roomId }, applied.message.senderSessionId);
        break;
      case 'live': {
        const { senderId, objectName, content, flags, time, senderSessionId } = applied.message;
        this.live(appKey, applied.members, { senderId, conversationType: ConversationType.CHATROOM, targetId: roomId, objectName, content, flags, sentTime: time }, senderSessionId);
        break;
      }
      case 'kv':
        this.notifier(appKey, applied.members, Topic.s_cmd, { type: NotifyType.CHATROOM_KV, time: applied.version, chrmId: roomId });
        break;
      case 'destroyed':
        for (const userId of applied.members) this.localJoins.delete(joinKey(appKey, roomId, userId));
        this.notifier(appKey, applied.members, Topic.s_cmd, { type: NotifyType.CHATROOM_DESTROYED, chrmId: roomId, destroyType: 0 });
        break;
      case 'none':
        break;
    }
    return applied;
  }

  private readonly onBusEvent = (event: BusEvent): void => {
    if (event.kind !== 'chatroom' || event.origin === this.nodeId) return;
    // A join made through another node moves the membership's idle watch there.
    if (event.change.op === 'join') this.localJoins.delete(joinKey(event.appKey, event.change.roomId, event.change.userId));
    this.applyAndNotify(event.appKey, event.change);
  };

  /**
   * Ends the memberships made here whose user has had no session for the grace period; run every
   * IDLE_CHECK_EVERY_MS, one presence lookup per membership, one at a time.
   */
  async endIdleMemberships(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [key, join] of [...this.localJoins]) {
        const online = (await this.bus.presence.sessionsOf(join.appKey, join.userId)).length > 0;
        const now = this.now();
        if (online) join.idleSince = undefined;
        else if (join.idleSince === undefined) join.idleSince = now;
        else if (now - join.idleSince >= CHATROOM_IDLE_GRACE_MS && this.localJoins.get(key) === join) await this.quit(join.appKey, join.userId, join.roomId);
      }
    } catch {
      // Presence unreachable (the bus is down): memberships are checked again on the next round.
    } finally {
      this.checking = false;
    }
  }
}

function joinKey(appKey: string, roomId: string, userId: string): string {
  return `${appKey}\u0000${roomId}\u0000${userId}`;
}

/** `ChrmKVEntity.status` for an entry as pulls show it. */
export function kvStatusOf(entry: KvEntry): number {
  return (entry.autoDelete ? KvStatus.AUTO_DELETE : 0) | (entry.deleted ? KvStatus.DELETED : 0);
}
