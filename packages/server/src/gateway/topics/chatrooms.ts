import { AckStatus, ConversationType, decodePayload, downStreamStatusOf, encodePayload, MessageDirection, MessageFlag, Topic, type DownStreamMessage, type SetChrmKV } from '@parley/protocol';
import { CHATROOM_HISTORY, KvStatus, type RoomMessage } from '../../core/chatrooms/chatroom-rooms.js';
import { kvStatusOf, type ChatroomCaller, type ChatroomService, type ChatroomSend } from '../../core/chatrooms/chatroom-service.js';
import type { Flavor } from '../transport.js';
import { clamp, type PublishHandler, type QueryAnswer, type QueryHandler, type TopicContext, type TopicHandlers } from './topic-handler.js';

const HISTORY_DEFAULT_COUNT = 20;

/**
 * Chatrooms (core/chatrooms/): join (`joinChrm` creates the room, `joinChrmR` does not), quit,
 * send (`chatMsg`; one without the PERSISTED flag, or on `chatMsgS`, goes live only), the pull an `s_ntf` of type 2 asks for (`chrmPull`), history (`qryCHMsg`),
 * info (`queryChrmI`) and key-values (`setKV`, `delKV`, their batch forms, and `pullKV` after an
 * `s_cmd` of type 2). Every frame names the room in its header target.
 */
export function chatroomTopics(chatrooms: ChatroomService): TopicHandlers {
  const caller = ({ session }: TopicContext): ChatroomCaller => ({ appKey: session.appKey, userId: session.userId, sessionId: session.sessionId });

  const join =
    (create: boolean): QueryHandler =>
    async (request, context) => {
      decodePayload('ChrmInput', request);
      const joined = await chatrooms.join(caller(context), context.targetId, create);
      if (!joined.ok) return { status: joined.status };
      const output = { nothing: 1, joinTime: joined.joinTime, createTime: joined.createTime, memberCount: joined.memberCount, chatroomBanState: joined.muted ? 2 : 0 };
      return { status: AckStatus.SUCCESS, payload: encodePayload('ChrmOutput', output) };
    };

  const changeKv =
    (remove: boolean, batch: boolean): QueryHandler =>
    async (request, context): Promise<QueryAnswer> => {
      const input: Pick<SetChrmKV, 'bNotify' | 'notification'> & { entries: SetChrmKV['entry'][] } = batch
        ? (({ entry, ...rest }) => ({ ...rest, entries: entry }))(decodePayload('SetChrmKVS', request))
        : (({ entry, ...rest }) => ({ ...rest, entries: [entry] }))(decodePayload('SetChrmKV', request));
      const changes = input.entries.map((e) => ({
        key: e.key,
        value: e.value,
        autoDelete: ((e.status ?? 0) & KvStatus.AUTO_DELETE) !== 0,
        force: ((e.status ?? 0) & KvStatus.OVERWRITE) !== 0,
      }));
      const up = input.bNotify ? input.notification : undefined;
      const notification: ChatroomSend | undefined = up && { objectName: up.classname, content: up.content, flags: up.sessionId };
      const result = await chatrooms.changeKv(caller(context), context.targetId, changes, remove, batch, notification);
      if (!result.ok) return { status: result.status };
      if (!batch) return { status: AckStatus.SUCCESS };
      return {
        status: result.errorKeys.length > 0 ? AckStatus.CHATROOM_KV_STORE_NOT_ALL_SUCCESS : AckStatus.SUCCESS,
        payload: encodePayload('ChrmKVSOutput', { errorKeys: result.errorKeys, keysVersion: result.versions }),
      };
    };

  const queries: Record<string, QueryHandler> = {
    [Topic.joinChrm]: join(true),
    [Topic.joinChrmR]: join(false),
    [Topic.exitChrm]: async (request, context) => {
      decodePayload('ChrmInput', request);
      await chatrooms.quit(context.session.appKey, context.session.userId, context.targetId);
      return { status: AckStatus.SUCCESS };
    },
    [Topic.chrmPull]: (request, context) => {
      const query = decodePayload('ChrmPullMsg', request);
      const page = chatrooms.pull(caller(context), context.targetId, query.syncTime, query.count);
      if (!page.ok) return { status: page.status };
      const list = page.messages.map((m) => encodePayload('DownStreamMessage', roomDownStream(context.targetId, m, context.session.userId, context.flavor)));
      return {
        status: AckStatus.SUCCESS,
        payload: encodePayload('ChrmDownStreamMessages', { list, syncTime: page.syncTime }),
        roomCursor: { roomId: context.targetId, syncTime: page.syncTime },
      };
    },
    [Topic.qryCHMsg]: (request, context) => {
      const query = decodePayload('HistoryMsgInput', request);
      const roomId = query.targetId || context.targetId;
      const count = clamp(query.count || HISTORY_DEFAULT_COUNT, 1, CHATROOM_HISTORY);
      const older = (query.order ?? 0) === 0;
      const page = chatrooms.history(caller(context), roomId, query.time ?? 0, count, older);
      if (!page.ok) return { status: page.status };
      const list = page.messages.map((m) => roomDownStream(roomId, m, context.session.userId, context.flavor));
      return {
        status: AckStatus.SUCCESS,
        payload: encodePayload('HistoryMsgOuput', { list, syncTime: page.messages.at(-1)?.time ?? 0, hasMsg: page.hasMore ? 1 : 0 }),
      };
    },
    [Topic.queryChrmI]: (request, context) => {
      const query = decodePayload('QueryChatRoomInfoInput', request);
      const info = chatrooms.info(caller(context), context.targetId, query.count, query.order ?? 1);
      if (!info.ok) return { status: info.status };
      return { status: AckStatus.SUCCESS, payload: encodePayload('QueryChatRoomInfoOutput', { userTotalNums: info.total, userInfos: info.members }) };
    },
    [Topic.setKV]: changeKv(false, false),
    [Topic.delKV]: changeKv(true, false),
    [Topic.setKVS]: changeKv(false, true),
    [Topic.delKVS]: changeKv(true, true),
    [Topic.pullKV]: (request, context) => {
      const query = decodePayload('QueryChrmKV', request);
      const changes = chatrooms.pullKv(caller(context), context.targetId, query.timestamp);
      if (!changes.ok) return { status: changes.status };
      const entries = changes.entries.map((e) => ({ key: e.key, value: e.value, status: kvStatusOf(e), uid: e.userId, version: e.version, timestamp: e.version }));
      return { status: AckStatus.SUCCESS, payload: encodePayload('ChrmKVOutput', { entries, bFullUpdate: changes.full, syncTime: changes.version }) };
    },
  };

  /** `status`: the status-message topic, whose messages are never kept whatever their flags say. */
  const send =
    (status: boolean): PublishHandler =>
    async (frame, context) => {
      const up = decodePayload('UpStreamMessage', frame.payload);
      const sent = await chatrooms.send(caller(context), frame.targetId, {
        objectName: up.classname,
        content: up.content,
        flags: status ? up.sessionId & ~(MessageFlag.PERSISTED | MessageFlag.COUNTED) : up.sessionId,
        ...(up.clientUniqueId === undefined ? {} : { clientUniqueId: up.clientUniqueId }),
      });
      if (!sent.ok) return { status: sent.status, messageUId: '', sentTime: context.now };
      return { status: AckStatus.SUCCESS, messageUId: sent.message.uid, sentTime: sent.message.time };
    };

  return { queries, publishes: { [Topic.chatMsg]: send(false), [Topic.chatMsgS]: send(true) } };
}

/** A chatroom message as `viewer` reads it; the SDK files it under the room it asked about. */
export function roomDownStream(roomId: string, message: RoomMessage, viewer: string, flavor: Flavor): DownStreamMessage {
  const mine = message.senderId === viewer;
  return {
    fromUserId: message.senderId,
    type: ConversationType.CHATROOM,
    groupId: roomId,
    classname: message.objectName,
    content: message.content,
    dataTime: message.time,
    status: downStreamStatusOf(message.flags),
    msgId: message.uid,
    direction: mine ? MessageDirection.SEND : flavor === 'native' ? undefined : MessageDirection.RECEIVE,
    ...(mine && message.clientUniqueId !== undefined ? { clientUniqueId: message.clientUniqueId } : {}),
    toUserIds: [],
  };
}
