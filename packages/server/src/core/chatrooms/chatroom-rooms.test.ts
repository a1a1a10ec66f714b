import { AckStatus } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import {
  CHATROOM_HISTORY,
  CHATROOM_KV_MAX_KEYS,
  CHATROOM_PULL_PAGE,
  ChatroomRooms,
  historyPage,
  kvChangesSince,
  kvRefusal,
  memberPage,
  pullPage,
  type RoomMessage,
} from './chatroom-rooms.js';

const message = (time: number, overrides: Partial<RoomMessage> = {}): RoomMessage => ({
  uid: `U${time}`,
  senderId: 'alice',
  senderSessionId: 's-alice',
  objectName: 'RC:TxtMsg',
  content: `{"content":"${time}"}`,
  flags: 3,
  time,
  ...overrides,
});

function roomWith(times: number[]) {
  const rooms = new ChatroomRooms();
  rooms.apply('app', { op: 'create', roomId: 'r', name: 'r', time: 1 });
  for (const time of times) rooms.apply('app', { op: 'message', roomId: 'r', message: message(time) });
  return { rooms, room: rooms.get('app', 'r')! };
}

describe('chatroom rooms', () => {
  it("keeps each app's rooms, members and bans apart: the same room id in another app is another room", () => {
    const { rooms } = roomWith([10, 20]);
    rooms.apply('app', { op: 'join', roomId: 'r', userId: 'alice', time: 1 });
    rooms.apply('app', { op: 'ban', userIds: ['mallory'], until: 1_000, time: 1 });
    expect(rooms.get('other', 'r')).toBeUndefined();
    expect(rooms.roomsOf('other')).toEqual([]);
    expect(rooms.apply('other', { op: 'join', roomId: 'r', userId: 'mallory', time: 2 })).toEqual({ kind: 'none' });
    expect(rooms.isBanned('other', 'mallory', 2)).toBe(false);
    rooms.apply('other', { op: 'create', roomId: 'r', name: 'r', time: 3 });
    expect(rooms.get('other', 'r')?.messages).toEqual([]);
    expect(rooms.get('app', 'r')?.messages).toHaveLength(2);
  });

  it('keeps the newest CHATROOM_HISTORY messages, with strictly increasing times', () => {
    const { room } = roomWith(Array.from({ length: CHATROOM_HISTORY + 5 }, () => 100));
    expect(room.messages).toHaveLength(CHATROOM_HISTORY);
    const times = room.messages.map((m) => m.time);
    expect(new Set(times).size).toBe(times.length);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(room.messages.at(-1)?.time).toBe(100 + CHATROOM_HISTORY + 4);
  });

  it('keeps as many messages as it is given, paging through them all', () => {
    const rooms = new ChatroomRooms(200);
    rooms.apply('app', { op: 'create', roomId: 'r', name: 'r', time: 1 });
    for (let time = 10; time < 10 + 250; time++) rooms.apply('app', { op: 'message', roomId: 'r', message: message(time) });
    const room = rooms.get('app', 'r')!;
    expect(room.messages.map((m) => m.time)).toEqual(Array.from({ length: 200 }, (_, i) => 60 + i));
    const walked: number[] = [];
    let before = 0;
    for (let page = 0; page < 10; page++) {
      const { messages, hasMore } = historyPage(room, before, CHATROOM_HISTORY, true);
      walked.push(...messages.map((m) => m.time));
      before = messages.at(-1)?.time ?? 0;
      if (!hasMore) break;
    }
    expect(walked).toEqual(Array.from({ length: 200 }, (_, i) => 259 - i));
    expect(historyPage(room, 100, 3, false)).toMatchObject({ messages: [{ time: 101 }, { time: 102 }, { time: 103 }], hasMore: true });
    expect(pullPage(room, 240, 0, 'other').messages.map((m) => m.time)).toEqual(Array.from({ length: 19 }, (_, i) => 241 + i));
  });

  it('ignores changes to a room that does not exist', () => {
    const rooms = new ChatroomRooms();
    expect(rooms.apply('app', { op: 'join', roomId: 'nowhere', userId: 'alice', time: 1 })).toEqual({ kind: 'none' });
    expect(rooms.get('app', 'nowhere')).toBeUndefined();
  });

  it('pulls the newest `count` on a first pull, then what came after, leaving out the asking device’s own', () => {
    const { room } = roomWith([10, 20, 30]);
    expect(pullPage(room, 0, 2, 'other')).toEqual({ messages: [room.messages[1], room.messages[2]], syncTime: 30 });
    expect(pullPage(room, 0, -1, 'other')).toEqual({ messages: [], syncTime: 30 });
    expect(pullPage(room, 10, 10, 'other').messages.map((m) => m.time)).toEqual([20, 30]);
    expect(pullPage(room, 10, 10, 's-alice')).toEqual({ messages: [], syncTime: 30 });
    expect(pullPage(room, 30, 10, 'other')).toEqual({ messages: [], syncTime: 30 });
  });

  it('pulls a page at a time', () => {
    const { room } = roomWith(Array.from({ length: CHATROOM_HISTORY }, (_, i) => 100 + i));
    const page = pullPage(room, 1, 5, 'other');
    expect(page.messages).toHaveLength(Math.min(CHATROOM_PULL_PAGE, CHATROOM_HISTORY));
    expect(page.syncTime).toBe(page.messages.at(-1)?.time);
  });

  it('pages history older (newest first) and newer (oldest first) than a time', () => {
    const { room } = roomWith([10, 20, 30, 40]);
    expect(historyPage(room, 0, 2, true)).toEqual({ messages: [room.messages[3], room.messages[2]], hasMore: true });
    expect(historyPage(room, 30, 5, true).messages.map((m) => m.time)).toEqual([20, 10]);
    expect(historyPage(room, 15, 2, false)).toEqual({ messages: [room.messages[1], room.messages[2]], hasMore: true });
    expect(historyPage(room, 30, 5, false)).toEqual({ messages: [room.messages[3]], hasMore: false });
  });

  it('lists members by join order either way, at most 20', () => {
    const { rooms, room } = roomWith([]);
    for (let i = 0; i < 25; i++) rooms.apply('app', { op: 'join', roomId: 'r', userId: `u${i}`, time: i });
    expect(memberPage(room, 2, 1).map((m) => m.id)).toEqual(['u0', 'u1']);
    expect(memberPage(room, 2, 2).map((m) => m.id)).toEqual(['u24', 'u23']);
    expect(memberPage(room, 100, 1)).toHaveLength(20);
    expect(memberPage(room, 0, 1)).toEqual([]);
  });

  it('refuses key-values that break the rules, and allows the owner and a forced change', () => {
    const { rooms, room } = roomWith([]);
    rooms.apply('app', { op: 'kv', roomId: 'r', time: 5, entries: [{ key: 'k', value: 'v', userId: 'alice', autoDelete: false, deleted: false }] });
    expect(kvRefusal(room, 'bob', 'k', 'x', { remove: false, force: false })).toBe(AckStatus.CHATROOM_KV_OVERWRITE_INVALID);
    expect(kvRefusal(room, 'bob', 'k', '', { remove: true, force: false })).toBe(AckStatus.CHATROOM_KV_OVERWRITE_INVALID);
    expect(kvRefusal(room, 'bob', 'k', 'x', { remove: false, force: true })).toBeUndefined();
    expect(kvRefusal(room, 'alice', 'k', 'x', { remove: false, force: false })).toBeUndefined();
    expect(kvRefusal(room, 'alice', 'gone', '', { remove: true, force: false })).toBe(AckStatus.CHATROOM_KEY_NOT_EXIST);
    expect(kvRefusal(room, 'alice', 'bad key', 'x', { remove: false, force: false })).toBe(AckStatus.CHATROOM_PARAMETER_INVALID);
    expect(kvRefusal(room, 'alice', 'k2', 'x'.repeat(4097), { remove: false, force: false })).toBe(AckStatus.CHATROOM_PARAMETER_INVALID);
    expect(kvRefusal(room, 'alice', 'k2', 'x', { remove: false, force: false }, CHATROOM_KV_MAX_KEYS - 1)).toBe(AckStatus.CHATROOM_KV_EXCEED);
  });

  it('serves key-value changes after a version, deletions included, and removes a quitter’s auto-delete keys', () => {
    const { rooms, room } = roomWith([]);
    rooms.apply('app', { op: 'join', roomId: 'r', userId: 'alice', time: 1 });
    const set = rooms.apply('app', {
      op: 'kv',
      roomId: 'r',
      time: 100,
      entries: [
        { key: 'a', value: '1', userId: 'alice', autoDelete: true, deleted: false },
        { key: 'b', value: '2', userId: 'bob', autoDelete: true, deleted: false },
      ],
    });
    expect(set).toMatchObject({ kind: 'kv', version: 101, members: ['alice'] });
    expect(kvChangesSince(room, 0)).toMatchObject({ full: true, version: 101 });
    const quit = rooms.apply('app', { op: 'quit', roomId: 'r', userId: 'alice', time: 50 });
    expect(quit).toMatchObject({ kind: 'kv', version: 102 });
    const changes = kvChangesSince(room, 101);
    expect(changes.full).toBe(false);
    expect(changes.entries).toEqual([{ key: 'a', value: '1', userId: 'alice', autoDelete: true, deleted: true, version: 102 }]);
    expect(kvChangesSince(room, 0).entries.map((e) => e.key)).toEqual(['b']);
  });
});
