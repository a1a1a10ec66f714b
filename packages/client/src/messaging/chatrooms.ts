import { AckStatus, ConversationType, decodePayload, encodePayload, MessageDirection, NotifyType, Topic, type DownStreamMessage, type NotifyMsg } from '@parley/protocol';
import type { RmtpSession } from '../connection/rmtp-session.js';
import type { Message, MessageContent } from './message.js';

/** What a join answers (the official SDK's `IChatroomJoinResponse` fields Parley fills). */
export interface ChatroomJoinInfo {
  joinTime: number;
  createTime: number;
  memberCount: number;
}

export interface ChatroomInfo {
  userCount: number;
  userInfos: { id: string; time: number }[];
}

export class ChatroomError extends Error {
  constructor(readonly code: number) {
    super(`chatroom request failed with ${code}`);
  }
}

/** `ChrmKVEntity.status` bits (server core/chatrooms/chatroom-rooms.ts). */
const KV_AUTO_DELETE = 1;
const KV_OVERWRITE = 2;
const KV_DELETED = 4;
/** The official SDK's pull size when the app gives 0, and its most. */
const DEFAULT_JOIN_COUNT = 10;
const MAX_JOIN_COUNT = 50;

interface JoinedRoom {
  count: number;
  /** The pull cursor: 0 until the first pull after joining. */
  syncTime: number;
  kvVersion: number;
  entries: Map<string, string>;
  pulling: boolean;
  /** A notice came while a pull ran: pull again once it ends. */
  again: boolean;
}

/**
 * Chatrooms for one user: a live stream, never kept in the local database. Joined rooms are pulled
 * on `s_ntf` type 2 from their cursor (the server's newest `count` on the first pull), their
 * key-values on `s_cmd` type 2; both are joined again after a reconnect, as the official SDK does.
 */
export class Chatrooms {
  private readonly joined = new Map<string, JoinedRoom>();

  constructor(
    private readonly userId: string,
    private readonly deliver: (messages: Message[]) => void,
  ) {}

  async join(session: RmtpSession, roomId: string, count: number, create: boolean): Promise<ChatroomJoinInfo> {
    const answer = await session.query(create ? Topic.joinChrm : Topic.joinChrmR, roomId, encodePayload('ChrmInput', { nothing: 1 }));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
    const output = decodePayload('ChrmOutput', answer.payload);
    const room: JoinedRoom = { count: Math.max(Math.min(count, MAX_JOIN_COUNT), -1) || DEFAULT_JOIN_COUNT, syncTime: 0, kvVersion: 0, entries: new Map(), pulling: false, again: false };
    this.joined.set(roomId, room);
    void this.pull(session, roomId);
    void this.pullKv(session, roomId);
    return { joinTime: output.joinTime ?? 0, createTime: output.createTime ?? 0, memberCount: output.memberCount ?? 0 };
  }

  async quit(session: RmtpSession | undefined, roomId: string): Promise<void> {
    if (!this.joined.delete(roomId) || !session) return;
    const answer = await session.query(Topic.exitChrm, roomId, encodePayload('ChrmInput', { nothing: 1 }));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
  }

  /** After a reconnect: joins every room again (only if it still exists) and pulls what was missed. */
  rejoin(session: RmtpSession): void {
    for (const roomId of this.joined.keys()) {
      void session
        .query(Topic.joinChrmR, roomId, encodePayload('ChrmInput', { nothing: 1 }))
        .then((answer) => {
          if (answer.status !== AckStatus.SUCCESS) this.joined.delete(roomId);
          else return Promise.all([this.pull(session, roomId), this.pullKv(session, roomId)]).then(() => undefined);
          return undefined;
        })
        .catch(() => undefined);
    }
  }

  async send(session: RmtpSession, roomId: string, message: MessageContent): Promise<Message> {
    const content = JSON.stringify(message.content);
    // Persisted and counted, as a text message is.
    const flags = 3;
    const answer = await session.publish(Topic.chatMsg, roomId, encodePayload('UpStreamMessage', { sessionId: flags, classname: message.objectName, content, toUserIds: [] }));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
    return {
      messageUId: answer.messageUId,
      clientId: `uid:${answer.messageUId}`,
      sentTime: answer.sentTime,
      senderUserId: this.userId,
      conversationType: ConversationType.CHATROOM,
      targetId: roomId,
      objectName: message.objectName,
      content: message.content,
      messageDirection: MessageDirection.SEND,
      status: 'sent',
    };
  }

  async history(session: RmtpSession, roomId: string, before: number, count: number): Promise<Message[]> {
    const answer = await session.query(Topic.qryCHMsg, roomId, encodePayload('HistoryMsgInput', { targetId: roomId, time: before, count, order: 0 }));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
    return decodePayload('HistoryMsgOuput', answer.payload).list.map((m) => this.toMessage(roomId, m));
  }

  async info(session: RmtpSession, roomId: string, count: number, order: 1 | 2): Promise<ChatroomInfo> {
    const answer = await session.query(Topic.queryChrmI, roomId, encodePayload('QueryChatRoomInfoInput', { count, order }));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
    const output = decodePayload('QueryChatRoomInfoOutput', answer.payload);
    return { userCount: output.userTotalNums ?? 0, userInfos: output.userInfos.map((u) => ({ id: u.id, time: u.time })) };
  }

  async setEntry(session: RmtpSession, roomId: string, key: string, value: string, options: { force?: boolean; autoDelete?: boolean }): Promise<void> {
    const status = (options.autoDelete ? KV_AUTO_DELETE : 0) | (options.force ? KV_OVERWRITE : 0);
    await this.changeKv(session, Topic.setKV, roomId, { key, value, status, uid: this.userId });
    this.joined.get(roomId)?.entries.set(key, value);
  }

  async removeEntry(session: RmtpSession, roomId: string, key: string, force: boolean): Promise<void> {
    await this.changeKv(session, Topic.delKV, roomId, { key, value: '', status: KV_DELETED | (force ? KV_OVERWRITE : 0), uid: this.userId });
    this.joined.get(roomId)?.entries.delete(key);
  }

  /** A joined room's key-values as last pulled; another room's asked of the server. */
  async entries(session: RmtpSession | undefined, roomId: string): Promise<Record<string, string>> {
    const room = this.joined.get(roomId);
    if (room) return Object.fromEntries(room.entries);
    if (!session) throw new ChatroomError(AckStatus.NOT_IN_CHATROOM);
    const answer = await session.query(Topic.pullKV, roomId, encodePayload('QueryChrmKV', { timestamp: 0 }));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
    return Object.fromEntries(decodePayload('ChrmKVOutput', answer.payload).entries.filter((e) => ((e.status ?? 0) & KV_DELETED) === 0).map((e) => [e.key, e.value]));
  }

  /** An `s_ntf` or `s_cmd` naming a chatroom: pulls what it announces. */
  onNotice(session: RmtpSession, topic: string, notice: NotifyMsg): void {
    const roomId = notice.chrmId;
    if (!roomId || !this.joined.has(roomId)) return;
    if (topic === Topic.s_ntf && notice.type === NotifyType.CHATROOM) void this.pull(session, roomId);
    else if (topic === Topic.s_cmd && notice.type === NotifyType.CHATROOM_KV) void this.pullKv(session, roomId);
    else if (topic === Topic.s_cmd && notice.type === NotifyType.CHATROOM_DESTROYED) this.joined.delete(roomId);
  }

  private async changeKv(session: RmtpSession, topic: string, roomId: string, entry: { key: string; value: string; status: number; uid: string }): Promise<void> {
    if (!this.joined.has(roomId)) throw new ChatroomError(AckStatus.NOT_IN_CHATROOM);
    const answer = await session.query(topic, roomId, encodePayload('SetChrmKV', { entry }));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
  }

  /** One pull at a time per room; notices that come meanwhile make one more. */
  private async pull(session: RmtpSession, roomId: string): Promise<void> {
    const room = this.joined.get(roomId);
    if (!room) return;
    if (room.pulling) {
      room.again = true;
      return;
    }
    room.pulling = true;
    try {
      do {
        room.again = false;
        const answer = await session.query(Topic.chrmPull, roomId, encodePayload('ChrmPullMsg', { syncTime: room.syncTime, count: room.count }));
        if (answer.status !== AckStatus.SUCCESS || this.joined.get(roomId) !== room) return;
        const page = decodePayload('ChrmDownStreamMessages', answer.payload);
        room.syncTime = Math.max(room.syncTime, page.syncTime);
        const messages = page.list.map((bytes) => this.toMessage(roomId, decodePayload('DownStreamMessage', bytes)));
        if (messages.length > 0) this.deliver(messages);
      } while (room.again);
    } catch {
      // The connection went: the rejoin after the reconnect pulls from the same cursor.
    } finally {
      room.pulling = false;
    }
  }

  private async pullKv(session: RmtpSession, roomId: string): Promise<void> {
    const room = this.joined.get(roomId);
    if (!room) return;
    try {
      const answer = await session.query(Topic.pullKV, roomId, encodePayload('QueryChrmKV', { timestamp: room.kvVersion }));
      if (answer.status !== AckStatus.SUCCESS) return;
      const output = decodePayload('ChrmKVOutput', answer.payload);
      if (output.bFullUpdate) room.entries.clear();
      for (const entry of output.entries) {
        if (((entry.status ?? 0) & KV_DELETED) !== 0) room.entries.delete(entry.key);
        else room.entries.set(entry.key, entry.value);
      }
      room.kvVersion = Math.max(room.kvVersion, output.syncTime ?? 0);
    } catch {
      // As for messages: pulled again after the reconnect.
    }
  }

  /** A status message (typing and the like): live to the members online now, never kept (`chatMsgS`). */
  async sendStatus(session: RmtpSession, roomId: string, message: MessageContent): Promise<void> {
    const up = { sessionId: 0, classname: message.objectName, content: JSON.stringify(message.content), toUserIds: [] };
    const answer = await session.publish(Topic.chatMsgS, roomId, encodePayload('UpStreamMessage', up));
    if (answer.status !== AckStatus.SUCCESS) throw new ChatroomError(answer.status);
  }

  /** A live message (`s_msg`) naming a joined room: delivered as it comes, with no UID. */
  onLive(m: DownStreamMessage): void {
    const roomId = m.groupId;
    if (m.type !== ConversationType.CHATROOM || roomId === undefined || !this.joined.has(roomId)) return;
    this.deliver([{ ...this.toMessage(roomId, m), clientId: `live:${m.fromUserId}:${m.dataTime}` }]);
  }

  private toMessage(roomId: string, m: DownStreamMessage): Message {
    const sent = m.fromUserId === this.userId;
    return {
      messageUId: m.msgId ?? '',
      clientId: `uid:${m.msgId ?? ''}`,
      sentTime: m.dataTime,
      senderUserId: m.fromUserId,
      conversationType: ConversationType.CHATROOM,
      targetId: roomId,
      objectName: m.classname,
      content: parseContent(m.content),
      messageDirection: sent ? MessageDirection.SEND : MessageDirection.RECEIVE,
      status: sent ? 'sent' : 'received',
    };
  }
}

function parseContent(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
