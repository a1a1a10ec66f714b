import { createRequire } from 'node:module';
import { IMClient } from '@parley/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callServerApi } from './support/server-api-client.js';
import { makeTempDir } from './support/temp-dir.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The chatroom Server API, through the official RongCloud Node server SDK (rongcloud-sdk 3.x,
 * unmodified) where it has the call, and as plain calls otherwise; members join with @parley/client.
 */
const require = createRequire(import.meta.url);

type Answer = { code: number | string } & Record<string, unknown>;
interface RongChatroom {
  create(rooms: { id: string; name: string }[]): Promise<Answer>;
  destroy(room: { id: string }): Promise<Answer>;
  get(room: { id: string; count: number; order: number }): Promise<Answer & { total?: number; members?: { id: string; time: string }[] }>;
  Gag: {
    add(room: { id: string; members: { id: string }[]; minute: number }): Promise<Answer>;
    remove(room: { id: string; members: { id: string }[] }): Promise<Answer>;
    getList(room: { id: string }): Promise<Answer & { members?: { id: string }[] }>;
  };
  Block: {
    add(room: { id: string; members: { id: string }[]; minute: number }): Promise<Answer>;
    remove(room: { id: string; members: { id: string }[] }): Promise<Answer>;
    getList(room: { id: string }): Promise<Answer & { members?: { id: string; time: string }[] }>;
  };
  Ban: {
    add(ban: { members: { id: string }[]; minute: number }): Promise<Answer>;
    remove(ban: { members: { id: string }[] }): Promise<Answer>;
    getList(): Promise<Answer & { members?: { id: string; time: string }[] }>;
  };
}

let server: TestServer;
let sdk: RongChatroom;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  server = await startTestServer();
  const factory = require('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => { Chatroom: RongChatroom };
  sdk = factory({ appkey: server.devApp.appKey, secret: server.devApp.appSecret, api: server.url }).Chatroom;
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server.stop();
});

async function member(userId: string): Promise<IMClient> {
  const dir = makeTempDir('parley-chatroom-api-');
  cleanups.push(dir.remove);
  const c = new IMClient();
  c.init(server.devApp.appKey, { dataDir: dir.path });
  cleanups.push(() => c.disconnect());
  await c.connectAsync(String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token));
  return c;
}

const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });

describe('chatroom Server API', () => {
  it('creates, queries, lists members, mutes and destroys rooms', async () => {
    expect((await sdk.create([{ id: 'sa-room', name: 'The Room' }, { id: 'sa-other', name: 'Other' }])).code).toBe(200);
    const queried = await callServerApi(server.url, 'chatroom/query', { chatroomId: ['sa-room', 'sa-missing'] }, server.devApp);
    expect(queried.body).toMatchObject({ code: 200, chatRooms: [{ chrmId: 'sa-room', name: 'The Room' }] });
    expect(await sdk.get({ id: 'sa-room', count: 10, order: 1 })).toMatchObject({ code: 200, total: 0, members: [] });

    const alice = await member('sa-alice');
    const bob = await member('sa-bob');
    await alice.joinExistChatRoom('sa-room', -1);
    await bob.joinExistChatRoom('sa-room', -1);
    const members = await sdk.get({ id: 'sa-room', count: 1, order: 2 });
    expect(members).toMatchObject({ code: 200, total: 2, members: [{ id: 'sa-bob' }] });
    expect(members.members?.[0]?.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    expect((await sdk.Gag.add({ id: 'sa-room', members: [{ id: 'sa-alice' }], minute: 10 })).code).toBe(200);
    expect((await sdk.Gag.getList({ id: 'sa-room' })).members?.map((m) => m.id)).toEqual(['sa-alice']);
    await expect(alice.sendChatRoomMessage('sa-room', text('muted'))).rejects.toMatchObject({ code: 23408 });
    expect((await sdk.Gag.remove({ id: 'sa-room', members: [{ id: 'sa-alice' }] })).code).toBe(200);
    expect(await alice.sendChatRoomMessage('sa-room', text('free'))).toMatchObject({ targetId: 'sa-room' });

    expect((await sdk.destroy({ id: 'sa-room' })).code).toBe(200);
    expect((await callServerApi(server.url, 'chatroom/query', { chatroomId: 'sa-room' }, server.devApp)).body).toMatchObject({ code: 200, chatRooms: [] });
    await expect(bob.sendChatRoomMessage('sa-room', text('gone'))).rejects.toMatchObject({ code: 23406 });
    await expect(bob.joinExistChatRoom('sa-room')).rejects.toMatchObject({ code: 23410 });
  });

  it('blocks a member out of a room until the block is lifted', async () => {
    expect((await sdk.create([{ id: 'sa-block', name: 'Block' }])).code).toBe(200);
    const carol = await member('sa-carol');
    const dave = await member('sa-dave');
    await carol.joinChatRoom('sa-block', -1);
    await dave.joinChatRoom('sa-block', -1);

    expect((await sdk.Block.add({ id: 'sa-block', members: [{ id: 'sa-carol' }], minute: 10 })).code).toBe(200);
    const listed = await sdk.Block.getList({ id: 'sa-block' });
    expect(listed.members?.map((m) => m.id)).toEqual(['sa-carol']);
    expect(listed.members?.[0]?.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // Removed from the room at once, and refused when joining again (RC_CHATROOM_USER_KICKED).
    expect(await sdk.get({ id: 'sa-block', count: 10, order: 1 })).toMatchObject({ total: 1, members: [{ id: 'sa-dave' }] });
    await expect(carol.sendChatRoomMessage('sa-block', text('still here?'))).rejects.toMatchObject({ code: 23406 });
    await expect(carol.joinChatRoom('sa-block', -1)).rejects.toMatchObject({ code: 23409 });
    // Other rooms and other members are untouched.
    expect(await dave.sendChatRoomMessage('sa-block', text('fine'))).toMatchObject({ targetId: 'sa-block' });
    await carol.joinChatRoom('sa-block-other', -1);

    expect((await sdk.Block.remove({ id: 'sa-block', members: [{ id: 'sa-carol' }] })).code).toBe(200);
    expect((await sdk.Block.getList({ id: 'sa-block' })).members).toEqual([]);
    await carol.joinChatRoom('sa-block', -1);
    expect(await carol.sendChatRoomMessage('sa-block', text('back'))).toMatchObject({ targetId: 'sa-block' });
  });

  it('bans users from speaking in every room of the app until lifted', async () => {
    const erin = await member('sa-erin');
    await erin.joinChatRoom('sa-ban-1', -1);
    await erin.joinChatRoom('sa-ban-2', -1);
    expect((await sdk.Ban.add({ members: [{ id: 'sa-erin' }], minute: 5 })).code).toBe(200);
    expect((await sdk.Ban.getList()).members?.map((m) => m.id)).toEqual(['sa-erin']);
    await expect(erin.sendChatRoomMessage('sa-ban-1', text('muted'))).rejects.toMatchObject({ code: 23408 });
    await expect(erin.sendChatRoomMessage('sa-ban-2', text('muted'))).rejects.toMatchObject({ code: 23408 });
    // A room joined after the ban is no way around it; the member is still a member, only silent.
    await erin.joinChatRoom('sa-ban-3', -1);
    await expect(erin.sendChatRoomMessage('sa-ban-3', text('muted'))).rejects.toMatchObject({ code: 23408 });
    expect((await erin.getChatRoomInfo('sa-ban-1')).userCount).toBe(1);

    expect((await sdk.Ban.remove({ members: [{ id: 'sa-erin' }] })).code).toBe(200);
    expect((await sdk.Ban.getList()).members).toEqual([]);
    expect(await erin.sendChatRoomMessage('sa-ban-1', text('free'))).toMatchObject({ targetId: 'sa-ban-1' });
  });

  it('refuses bad input with 1002 and changes nothing', async () => {
    const bad = await callServerApi(server.url, 'chatroom/create', { 'chatroom[bad id]': 'x' }, server.devApp);
    expect(bad.body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/create', {}, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/query', { chatroomId: 'sa-nowhere', count: 5 }, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/gag/add', { chatroomId: 'sa-other', userId: 'u1', minute: 0 }, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/gag/list', { chatroomId: 'sa-other' }, server.devApp)).body).toMatchObject({ code: 200, users: [] });
    expect((await callServerApi(server.url, 'chatroom/query', { chatroomId: 'bad id' }, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/block/add', { chatroomId: 'sa-nowhere', userId: 'u1', minute: 5 }, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/block/add', { chatroomId: 'sa-other', userId: 'u1', minute: 43_201 }, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/block/list', { chatroomId: 'sa-other' }, server.devApp)).body).toMatchObject({ code: 200, users: [] });
    expect((await callServerApi(server.url, 'chatroom/user/ban/add', { userId: 'u1' }, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/ban/add', { minute: 5 }, server.devApp)).body.code).toBe(1002);
    expect((await callServerApi(server.url, 'chatroom/user/ban/query', {}, server.devApp)).body).toMatchObject({ code: 200, users: [] });
  });
});
