import { ConversationType, MessageDirection, MessageFlag, ORDINARY_MESSAGE_FLAGS } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { NewMessage } from '../../store/store.js';
import { conversationKey } from './conversation-key.js';
import { fanOut, inboxesOf, inboxKey, type LastCursorOf } from './inbox-fan-out.js';

const { SEND, RECEIVE } = MessageDirection;

let uids = 0;
function message(type: 1 | 3 | 6, senderId: string, targetId: string, recipients: string[], sentTime: number, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    appKey: 'a1',
    uid: `u${++uids}`,
    conversationType: type,
    targetId,
    conversationKey: conversationKey(type, senderId, targetId),
    senderId,
    objectName: 'RC:TxtMsg',
    content: '{}',
    sentTime,
    flags: ORDINARY_MESSAGE_FLAGS,
    clientUniqueId: undefined,
    recipients,
    senderCopy: type !== ConversationType.SYSTEM,
    ...extra,
  };
}
const toUser = (from: string, to: string, sentTime: number, extra?: Partial<NewMessage>) => message(ConversationType.PRIVATE, from, to, [to], sentTime, extra);
const emptyInboxes: LastCursorOf = () => 0;

describe('fanOut', () => {
  it('gives each recipient a received entry and the sender a sent copy only when it keeps one', () => {
    const { entries } = fanOut(
      [message(ConversationType.GROUP, 'alice', 'g1', ['bob', 'carol'], 1000), message(ConversationType.SYSTEM, 'admin', 'bob', ['bob'], 1000)],
      emptyInboxes,
    );
    expect(entries[0]?.map((e) => [e.userId, e.direction])).toEqual([
      ['bob', RECEIVE],
      ['carol', RECEIVE],
      ['alice', SEND],
    ]);
    expect(entries[1]?.map((e) => [e.userId, e.direction])).toEqual([['bob', RECEIVE]]);
  });

  it('makes a cursor the send time, pushed past the inbox previous cursor when needed', () => {
    const { entries, heads } = fanOut(
      [toUser('alice', 'bob', 5000), toUser('carol', 'bob', 5000), toUser('carol', 'bob', 4000), toUser('alice', 'bob', 9000)],
      (_appKey, userId) => (userId === 'bob' ? 4999 : 0),
    );
    const bobs = entries.map((written) => written.find((e) => e.userId === 'bob'));
    expect(bobs.map((e) => [e?.previousCursor, e?.cursor])).toEqual([
      [4999, 5000],
      [5000, 5001],
      // A sender clock behind the others' still moves the inbox forward.
      [5001, 5002],
      [5002, 9000],
    ]);
    expect(heads.get(inboxKey('a1', 'bob'))).toEqual({ appKey: 'a1', userId: 'bob', cursor: 9000 });
    expect(heads.get(inboxKey('a1', 'carol'))).toEqual({ appKey: 'a1', userId: 'carol', cursor: 5001 });
  });

  it('keeps a thousand messages of one millisecond strictly increasing', () => {
    const { entries } = fanOut(
      Array.from({ length: 1000 }, () => toUser('alice', 'bob', 7000)),
      emptyInboxes,
    );
    const cursors = entries.map((written) => written[0]?.cursor);
    expect(cursors[0]).toBe(7000);
    expect(cursors.at(-1)).toBe(7999);
    expect(cursors.every((c, i) => i === 0 || (c ?? 0) > (cursors[i - 1] ?? Infinity))).toBe(true);
  });

  it('asks for the last cursor of each inbox once, before its first entry, keeping apps apart', () => {
    const asked: [string, string, string][] = [];
    const { heads } = fanOut([toUser('alice', 'bob', 100), toUser('bob', 'alice', 200), toUser('alice', 'bob', 300, { appKey: 'a2' })], (appKey, userId, key) => {
      asked.push([appKey, userId, key]);
      return 10;
    });
    expect(asked).toEqual([
      ['a1', 'bob', inboxKey('a1', 'bob')],
      ['a1', 'alice', inboxKey('a1', 'alice')],
      ['a2', 'bob', inboxKey('a2', 'bob')],
      ['a2', 'alice', inboxKey('a2', 'alice')],
    ]);
    expect([...heads.values()]).toEqual([
      { appKey: 'a1', userId: 'bob', cursor: 200 },
      { appKey: 'a1', userId: 'alice', cursor: 200 },
      { appKey: 'a2', userId: 'bob', cursor: 300 },
      { appKey: 'a2', userId: 'alice', cursor: 300 },
    ]);
  });

  it('points each participant conversation with the other party, the group or the system sender at the message', () => {
    const { conversations } = fanOut(
      [toUser('alice', 'bob', 100), message(ConversationType.GROUP, 'alice', 'g1', ['bob'], 200), message(ConversationType.SYSTEM, 'admin', 'bob', ['bob'], 300)],
      emptyInboxes,
    );
    expect(conversations.map((c) => [c.userId, c.conversationType, c.targetId, c.versionTime, c.messageIndex])).toEqual([
      ['bob', ConversationType.PRIVATE, 'alice', 100, 0],
      ['alice', ConversationType.PRIVATE, 'bob', 100, 0],
      ['bob', ConversationType.GROUP, 'g1', 200, 1],
      ['alice', ConversationType.GROUP, 'g1', 200, 1],
      // The system sender keeps no copy, so it gets no conversation either.
      ['bob', ConversationType.SYSTEM, 'admin', 300, 2],
    ]);
  });

  it('changes each conversation once, to the last persisted message of the batch that reaches it', () => {
    const { entries, conversations } = fanOut(
      [
        toUser('alice', 'bob', 100),
        toUser('bob', 'alice', 200),
        toUser('alice', 'bob', 300, { flags: 0 }),
        toUser('alice', 'carol', 400, { flags: MessageFlag.COUNTED }),
      ],
      emptyInboxes,
    );
    expect(conversations.map((c) => [c.userId, c.targetId, c.versionTime, c.messageIndex])).toEqual([
      ['bob', 'alice', 200, 1],
      ['alice', 'bob', 200, 1],
    ]);
    // Messages that are not persisted still reach the inboxes.
    expect(entries[2]?.map((e) => e.userId)).toEqual(['bob', 'alice']);
    expect(entries[3]?.map((e) => e.userId)).toEqual(['carol', 'alice']);
  });
});

describe('inboxesOf', () => {
  it('names every inbox fanOut writes to, once each', () => {
    const batch = [message(ConversationType.GROUP, 'alice', 'g1', ['bob', 'carol'], 1), toUser('bob', 'alice', 2), message(ConversationType.SYSTEM, 'admin', 'dave', ['dave'], 3)];
    const inboxes = inboxesOf(batch);
    expect(inboxes).toEqual([
      { appKey: 'a1', userId: 'bob' },
      { appKey: 'a1', userId: 'carol' },
      { appKey: 'a1', userId: 'alice' },
      { appKey: 'a1', userId: 'dave' },
    ]);
    expect(inboxes.map((i) => inboxKey(i.appKey, i.userId))).toEqual([...fanOut(batch, emptyInboxes).heads.keys()]);
  });
});
