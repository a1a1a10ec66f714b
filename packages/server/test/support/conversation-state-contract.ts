import { expect, it, describe } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { privateMessage } from './store-contract.js';

/** Conversation states and the user's hold on their list (ConversationStateRepository), for every backend. */
export function describeConversationStates(current: () => Store): void {
  describe('conversation states', () => {
    const withBob = { conversationType: 1 as const, targetId: 'bob' };
    const withCarol = { conversationType: 1 as const, targetId: 'carol' };
    const group = { conversationType: 3 as const, targetId: 'g1' };

    it('versions each change above the user’s earlier ones and keeps the states not named', async () => {
      const store = current();
      const first = await store.conversationStates.set('a1', 'alice', [{ ...withBob, isTop: true }, { ...group, notificationLevel: 5 }], 1000, 100);
      expect(first).toEqual({
        kind: 'set',
        previous: 0,
        states: [
          { ...withBob, isTop: true, notificationLevel: 0, version: 1000 },
          { ...group, isTop: false, notificationLevel: 5, version: 1001 },
        ],
      });
      // A clock behind the last version still moves forward; the pin stays when only the level changes.
      const second = await store.conversationStates.set('a1', 'alice', [{ ...withBob, notificationLevel: 1 }], 500, 100);
      expect(second).toEqual({ kind: 'set', previous: 1001, states: [{ ...withBob, isTop: true, notificationLevel: 1, version: 1002 }] });

      expect(await store.conversationStates.changedAfter('a1', 'alice', 0, 10)).toEqual([
        { ...group, isTop: false, notificationLevel: 5, version: 1001 },
        { ...withBob, isTop: true, notificationLevel: 1, version: 1002 },
      ]);
      expect(await store.conversationStates.changedAfter('a1', 'alice', 1001, 10)).toEqual([{ ...withBob, isTop: true, notificationLevel: 1, version: 1002 }]);
      expect(await store.conversationStates.changedAfter('a1', 'alice', 0, 1)).toHaveLength(1);
      // Another user's, or another app's, states are their own.
      expect(await store.conversationStates.changedAfter('a1', 'bob', 0, 10)).toEqual([]);
      expect(await store.conversationStates.changedAfter('a2', 'alice', 0, 10)).toEqual([]);
    });

    it('refuses a change past the user’s limit whole, and still changes states the user has', async () => {
      const store = current();
      await store.conversationStates.set('a1', 'alice', [{ ...withBob, isTop: true }], 1000, 2);
      expect(await store.conversationStates.set('a1', 'alice', [{ ...group, isTop: true }, { ...withCarol, isTop: true }, { ...withBob, isTop: false }], 2000, 2)).toEqual({ kind: 'full' });
      expect(await store.conversationStates.changedAfter('a1', 'alice', 0, 10)).toEqual([{ ...withBob, isTop: true, notificationLevel: 0, version: 1000 }]);
      const update = await store.conversationStates.set('a1', 'alice', [{ ...withBob, isTop: false }, { ...group, isTop: true }], 2000, 2);
      expect(update.kind).toBe('set');
      // Other users are not limited by alice's states.
      expect((await store.conversationStates.set('a1', 'bob', [{ ...group, isTop: true }, { ...withCarol, isTop: true }], 2000, 2)).kind).toBe('set');
    });

    it('takes conversations out of the user’s list only, keeps their messages, and a new message lists them again', async () => {
      const store = current();
      const m1 = privateMessage('a1', 'bob', 'alice', 100);
      const m2 = privateMessage('a1', 'carol', 'alice', 200);
      await store.messages.append([m1, m2]);
      const listed = async (userId: string) => (await store.messages.conversations('a1', userId, 0, 10)).map((c) => c.targetId);
      expect(await listed('alice')).toEqual(['carol', 'bob']);

      expect(await store.conversationStates.unlist('a1', 'alice', [withBob, group])).toBe(1);
      expect(await listed('alice')).toEqual(['carol']);
      // The other side keeps its conversation, and nobody's messages go.
      expect(await listed('bob')).toEqual(['alice']);
      expect((await store.messages.pullInbox('a1', 'alice', 0, 10)).map((e) => e.message.uid)).toEqual([m1.uid, m2.uid]);
      expect(await store.conversationStates.unlist('a1', 'alice', [withBob])).toBe(0);

      const m3 = privateMessage('a1', 'bob', 'alice', 300);
      await store.messages.append([m3]);
      expect(await listed('alice')).toEqual(['bob', 'carol']);
    });

    it('reads named conversations of the user’s list with their last message', async () => {
      const store = current();
      const m1 = privateMessage('a1', 'bob', 'alice', 100);
      const m2 = privateMessage('a1', 'alice', 'bob', 200);
      await store.messages.append([m1, m2, privateMessage('a1', 'carol', 'dave', 300)]);
      const named = await store.conversationStates.listed('a1', 'alice', [withBob, withCarol, group]);
      expect(named.map((c) => ({ target: c.targetId, last: c.lastMessage.uid, versionTime: c.versionTime }))).toEqual([{ target: 'bob', last: m2.uid, versionTime: 200 }]);
      // dave's conversation with carol is not alice's to read.
      expect(await store.conversationStates.listed('a1', 'alice', [{ conversationType: 1, targetId: 'dave' }])).toEqual([]);
    });
  });
}
