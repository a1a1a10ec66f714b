import { AckStatus, decodePayload, encodePayload, Topic, type ClientPublishFrame, type NotifyMsg } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalBus } from '../../bus/local/local-bus.js';
import { ChatroomService } from '../../core/chatrooms/chatroom-service.js';
import { fakeContext } from '../../../test/support/topic-context.js';
import { chatroomTopics } from './chatrooms.js';
import type { TopicContext } from './topic-handler.js';

const services: ChatroomService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

function setUp() {
  const chatrooms = new ChatroomService(createLocalBus(), () => 1_700_000_000_000);
  services.push(chatrooms);
  const notices: { userIds: readonly string[]; topic: string; notice: NotifyMsg; except?: string }[] = [];
  const live: { userIds: readonly string[]; objectName: string }[] = [];
  chatrooms.attach(
    (_app, userIds, topic, notice, except) => notices.push({ userIds, topic, notice, ...(except ? { except } : {}) }),
    (_app, userIds, message) => live.push({ userIds, objectName: message.objectName }),
  );
  const { queries = {}, publishes = {} } = chatroomTopics(chatrooms);
  const as = (userId: string, roomId: string): TopicContext => fakeContext({ session: { sessionId: `s-${userId}`, appKey: 'app', userId, platform: 'web', deviceId: 'd', connectedAt: 1 }, targetId: roomId });
  const query = async (topic: string, context: TopicContext, payload: Uint8Array) => queries[topic]!(payload, context);
  const join = (context: TopicContext, create = true) => query(create ? Topic.joinChrm : Topic.joinChrmR, context, encodePayload('ChrmInput', { nothing: 1 }));
  const send = (context: TopicContext, text: string, topic: string = Topic.chatMsg, classname = 'RC:TxtMsg') => {
    const frame: ClientPublishFrame = { type: 'PUBLISH', header: { qos: 1 }, topic, targetId: context.targetId, messageId: 1, payload: encodePayload('UpStreamMessage', { sessionId: 3, classname, content: JSON.stringify({ content: text }), toUserIds: [] }) } as ClientPublishFrame;
    return publishes[topic]!(frame, context);
  };
  return { query, join, send, as, notices, live };
}

describe('chatroom topics', () => {
  it('joins, sends, notifies the other members and answers their pull', async () => {
    const { query, join, send, as, notices } = setUp();
    const alice = as('alice', 'room');
    const bob = as('bob', 'room');
    expect((await join(bob, false)).status).toBe(AckStatus.CHATROOM_NOT_EXIST);
    expect((await join(alice)).status).toBe(AckStatus.SUCCESS);
    const joined = await join(bob, false);
    expect(decodePayload('ChrmOutput', joined.payload!)).toMatchObject({ nothing: 1, memberCount: 2 });

    const sent = await send(alice, 'hi');
    expect(sent.status).toBe(AckStatus.SUCCESS);
    expect(notices).toEqual([{ userIds: ['alice', 'bob'], topic: Topic.s_ntf, notice: { type: 2, time: sent.sentTime, chrmId: 'room' }, except: 's-alice' }]);

    const pulled = await query(Topic.chrmPull, bob, encodePayload('ChrmPullMsg', { syncTime: 1, count: 10 }));
    const page = decodePayload('ChrmDownStreamMessages', pulled.payload!);
    expect(page.syncTime).toBe(sent.sentTime);
    expect(page.list.map((bytes) => decodePayload('DownStreamMessage', bytes))).toEqual([
      expect.objectContaining({ fromUserId: 'alice', type: 4, groupId: 'room', msgId: sent.messageUId, direction: 2, content: '{"content":"hi"}' }),
    ]);
  });

  it('sends what comes on chatMsgS live only, whatever its flags say', async () => {
    const { query, join, send, as, notices, live } = setUp();
    const alice = as('alice', 'room');
    const bob = as('bob', 'room');
    await join(alice);
    await join(bob, false);
    const sent = await send(alice, 'typing', Topic.chatMsgS, 'App:Typing');
    expect(sent).toMatchObject({ status: AckStatus.SUCCESS, messageUId: '' });
    expect(live).toEqual([{ userIds: ['alice', 'bob'], objectName: 'App:Typing' }]);
    expect(notices).toEqual([]);
    const history = decodePayload('HistoryMsgOuput', (await query(Topic.qryCHMsg, bob, encodePayload('HistoryMsgInput', { targetId: 'room', time: 0, count: 10, order: 0 }))).payload!);
    expect(history.list).toEqual([]);
  });

  it('refuses non-members, bad room ids and undecodable payloads, changing nothing', async () => {
    const { query, join, send, as } = setUp();
    await join(as('alice', 'room'));
    const eve = as('eve', 'room');
    expect((await send(eve, 'hello')).status).toBe(AckStatus.NOT_IN_CHATROOM);
    expect((await query(Topic.chrmPull, eve, encodePayload('ChrmPullMsg', { syncTime: 0, count: 10 }))).status).toBe(AckStatus.NOT_IN_CHATROOM);
    expect((await query(Topic.queryChrmI, eve, encodePayload('QueryChatRoomInfoInput', { count: 5 }))).status).toBe(AckStatus.NOT_IN_CHATROOM);
    expect((await join(as('eve', 'bad room'))).status).toBe(AckStatus.CHATROOM_PARAMETER_INVALID);
    await expect(query(Topic.joinChrm, eve, new Uint8Array([0xff, 0xff]))).rejects.toThrow();
    const info = await query(Topic.queryChrmI, as('alice', 'room'), encodePayload('QueryChatRoomInfoInput', { count: 5, order: 1 }));
    expect(decodePayload('QueryChatRoomInfoOutput', info.payload!)).toMatchObject({ userTotalNums: 1, userInfos: [{ id: 'alice' }] });
  });

  it('sets key-values in a batch, naming the keys it refused', async () => {
    const { query, join, as, notices } = setUp();
    const alice = as('alice', 'room');
    await join(alice);
    const entry = (key: string) => ({ key, value: 'v', status: 0, uid: 'alice' });
    const answer = await query(Topic.setKVS, alice, encodePayload('SetChrmKVS', { entry: [entry('good'), entry('bad key')] }));
    expect(answer.status).toBe(AckStatus.CHATROOM_KV_STORE_NOT_ALL_SUCCESS);
    const output = decodePayload('ChrmKVSOutput', answer.payload!);
    expect(output.errorKeys).toEqual([{ key: 'bad key', errorCode: AckStatus.CHATROOM_PARAMETER_INVALID }]);
    expect(output.keysVersion.map((k) => k.key)).toEqual(['good']);
    expect(notices.at(-1)).toMatchObject({ topic: Topic.s_cmd, notice: { type: 2, chrmId: 'room' } });
    const pulled = decodePayload('ChrmKVOutput', (await query(Topic.pullKV, alice, encodePayload('QueryChrmKV', { timestamp: 0 }))).payload!);
    expect(pulled.entries.map((e) => [e.key, e.value])).toEqual([['good', 'v']]);
  });
});
