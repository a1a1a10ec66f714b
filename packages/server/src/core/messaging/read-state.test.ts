import { AckStatus, NotifyType } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from '../../bus/bus.js';
import type { ConversationRef, InboxEntry, MarkReadOutcome, Store, StoredMessage } from '../../store/store.js';
import { storedMessage } from '../../../test/support/topic-context.js';
import { pageTokenOf, parsePageToken, ReadStateService, unreadWindow } from './read-state.js';

describe('server-side unread rules', () => {
  it('counts unread after the read position, and in a group only within the latest membership', () => {
    expect(unreadWindow(0, undefined)).toEqual({ from: 1, to: undefined });
    expect(unreadWindow(500, undefined)).toEqual({ from: 501, to: undefined });
    expect(unreadWindow(0, [{ joinedAt: 100, leftAt: 200 }, { joinedAt: 300, leftAt: undefined }])).toEqual({ from: 300, to: undefined });
    expect(unreadWindow(400, [{ joinedAt: 300, leftAt: undefined }])).toEqual({ from: 401, to: undefined });
    // Left the group: what came while they were in can still be unread, nothing after.
    expect(unreadWindow(150, [{ joinedAt: 100, leftAt: 200 }])).toEqual({ from: 151, to: 200 });
    expect(unreadWindow(250, [{ joinedAt: 100, leftAt: 200 }])).toBeUndefined();
    expect(unreadWindow(0, [])).toBeUndefined();
  });

  it('hands out page tokens that name a position, and reads none it did not make', () => {
    const position = { conversationType: 3 as const, targetId: 'g"1', readTime: 7, version: 42 };
    expect(parsePageToken(pageTokenOf(position))).toEqual({ conversationType: 3, targetId: 'g"1', version: 42, readTime: 0 });
    for (const bad of [undefined, '', 'x', '[]', '[2,"a",1]', '[1,2,3]', '[1,"a","v"]', '{"a":1}']) expect(parsePageToken(bad)).toBeUndefined();
  });
});

/** A store where bob has a private conversation with alice and is a member of `team`; alice's message M1 to bob was sent at 200, bob read up to 100. */
function fakeStore(outcome: MarkReadOutcome = { kind: 'moved', version: 7 }) {
  const marks: unknown[][] = [];
  const touches: unknown[][] = [];
  const original = storedMessage({ uid: 'M1', senderId: 'alice', targetId: 'bob', sentTime: 200 });
  const messages = new Map<string, StoredMessage>([
    ['M1', original],
    ['OWN', storedMessage({ uid: 'OWN', senderId: 'bob', targetId: 'alice', sentTime: 200 })],
    ['OLD', storedMessage({ uid: 'OLD', senderId: 'alice', targetId: 'bob', sentTime: 50 })],
    ['QUIET', storedMessage({ uid: 'QUIET', senderId: 'alice', targetId: 'bob', sentTime: 200, flags: 1 })],
  ]);
  const store = {
    groups: { isMember: async (_app: string, groupId: string, userId: string) => groupId === 'team' && userId === 'bob' },
    reads: {
      markRead: async (...args: unknown[]) => (marks.push(args), outcome),
      touch: async (...args: unknown[]) => (touches.push(args), 9),
      readTime: async (_app: string, _user: string, c: ConversationRef) => (c.targetId === 'alice' ? 100 : 0),
    },
    messageChanges: { find: async (_app: string, uid: string) => messages.get(uid) },
  } as unknown as Store;
  return { store, marks, touches };
}

function recordingBus(): { bus: Bus; events: BusEvent[] } {
  const events: BusEvent[] = [];
  return { bus: { publish: async (event: BusEvent) => void events.push(event) } as unknown as Bus, events };
}

describe('ReadStateService', () => {
  it("marks a member's group, and a listed conversation, telling the user's other devices; never a time still to come", async () => {
    const { store, marks } = fakeStore();
    const { bus, events } = recordingBus();
    const readState = new ReadStateService(store, bus, () => 1000);
    expect(await readState.markRead('app', 'bob', { conversationType: 3, targetId: 'team' }, 5000, 's1')).toEqual({ ok: true });
    expect(await readState.markRead('app', 'bob', { conversationType: 1, targetId: 'alice' }, 500)).toEqual({ ok: true });
    // A group the user is not in is marked only when it is in their list (one they left).
    expect(await readState.markRead('app', 'bob', { conversationType: 3, targetId: 'other' }, 500)).toEqual({ ok: true });
    expect(marks).toEqual([
      ['app', 'bob', { conversationType: 3, targetId: 'team' }, 1000, 1000, false],
      ['app', 'bob', { conversationType: 1, targetId: 'alice' }, 500, 1000, true],
      ['app', 'bob', { conversationType: 3, targetId: 'other' }, 500, 1000, true],
    ]);
    expect(events[0]).toEqual({ kind: 'command', appKey: 'app', userIds: ['bob'], notifyType: NotifyType.SERVER_UNREAD, time: 7, exceptSessionId: 's1' });
  });

  it('refuses a conversation the user does not have, telling nobody', async () => {
    const { store } = fakeStore({ kind: 'no-conversation' });
    const { bus, events } = recordingBus();
    const readState = new ReadStateService(store, bus, () => 1000);
    expect(await readState.markRead('app', 'mallory', { conversationType: 3, targetId: 'team' }, 5)).toMatchObject({ ok: false, status: AckStatus.NOT_IN_GROUP });
    expect(await readState.markRead('app', 'mallory', { conversationType: 1, targetId: 'bob' }, 5)).toMatchObject({ ok: false, status: AckStatus.PARAMETER_INVALID });
    const { store: unchanged } = fakeStore({ kind: 'unchanged' });
    expect(await new ReadStateService(unchanged, bus, () => 1000).markRead('app', 'bob', { conversationType: 1, targetId: 'alice' }, 5)).toEqual({ ok: true });
    expect(events).toEqual([]);
  });

  it('gives the positions a change to unread touches a new version before the change, and tells every device after it', async () => {
    const { store, touches } = fakeStore();
    const { bus, events } = recordingBus();
    const order: string[] = [];
    const readState = new ReadStateService(store, bus, () => 1000);
    const conversations: ConversationRef[] = [{ conversationType: 1, targetId: 'alice' }];
    expect(await readState.changingUnread('app', 'bob', conversations, async () => (order.push(`change after ${touches.length} touch`), 'done'))).toBe('done');
    expect(order).toEqual(['change after 1 touch']);
    expect(touches).toEqual([['app', 'bob', conversations, 1000]]);
    expect(events).toEqual([{ kind: 'command', appKey: 'app', userIds: ['bob'], notifyType: NotifyType.SERVER_UNREAD, time: 9, exceptSessionId: undefined }]);
  });

  it("finds the recalls that lower the reader's count: of a counted message of someone else's, newer than the read position", async () => {
    const { store } = fakeStore();
    const readState = new ReadStateService(store, recordingBus().bus, () => 1000);
    const recall = (uid: string, target: string, direction: 1 | 2 = 2): InboxEntry => ({
      cursor: 1,
      direction,
      message: storedMessage({ uid: `CMD-${uid}`, objectName: 'RC:RcCmd', flags: 0, content: JSON.stringify({ conversationType: 1, targetId: 'alice', messageUId: target }) }),
    });
    const entries = [recall('new', 'M1'), recall('own', 'OWN'), recall('read', 'OLD'), recall('uncounted', 'QUIET'), recall('gone', 'NONE'), recall('sent', 'M1', 1)];
    entries.push({ cursor: 2, direction: 2, message: storedMessage({ uid: 'TEXT' }) });
    expect([...(await readState.recallsLoweringUnread('app', 'bob', entries))]).toEqual(['CMD-new']);
  });
});
