import { MessageFlag } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conversationKey } from '../../src/core/messaging/conversation-key.js';
import { describeConversationStates } from './conversation-state-contract.js';
import { newMessageUid } from '../../src/core/messaging/message-uid.js';
import { migrations, type Dialect } from '../../src/store/migrations.js';
import { MEMBERSHIP_PERIODS_KEPT, type AppendedMessage, type AppRecord, type ConversationEntry, type NewMessage, type ReadPosition, type Store, type StoredMessage } from '../../src/store/store.js';

/**
 * The behaviour every Store backend must show. Each backend's test file calls this with a factory
 * that returns an empty, migrated store.
 */
/** Where an append put the message in one user's inbox. */
function cursorOf(result: AppendedMessage | undefined, userId: string): number {
  const cursor = result?.cursors.find((c) => c.userId === userId)?.cursor;
  if (cursor === undefined) throw new Error(`no cursor for ${userId}`);
  return cursor;
}

export function describeStoreContract(backend: string, open: () => Promise<Store>, reopen?: () => Promise<Store>): void {
  describe(`${backend} store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const app = (appKey: string): AppRecord => ({
      appKey,
      appSecret: `secret-${appKey}`,
      name: appKey,
      state: 'active',
      tokenLifetimeSeconds: 0,
      devicePolicy: 'per-class',
      maxDevices: 5,
      safeDomains: ['example.com'],
      signatureMode: 'compatible',
      apiRateLimit: 100,
      development: false,
      createdAt: 1,
      updatedAt: 1,
    });

    it('stores, lists and updates apps', async () => {
      await store.apps.insert(app('a1'));
      await store.apps.insert({ ...app('a2'), createdAt: 2 });
      expect(await store.apps.get('a1')).toEqual(app('a1'));
      expect((await store.apps.list()).map((a) => a.appKey)).toEqual(['a1', 'a2']);
      const updated = await store.apps.update('a1', { state: 'blocked', safeDomains: [], tokenLifetimeSeconds: 60, updatedAt: 5 });
      expect(updated).toEqual({ ...app('a1'), state: 'blocked', safeDomains: [], tokenLifetimeSeconds: 60, updatedAt: 5 });
      expect(await store.apps.get('missing')).toBeUndefined();
      expect(await store.apps.update('missing', { state: 'blocked' })).toBeUndefined();
    });

    it('refuses a second app with the same key and keeps the first', async () => {
      await store.apps.insert(app('a1'));
      await expect(store.apps.insert({ ...app('a1'), name: 'other' })).rejects.toThrow();
      expect((await store.apps.get('a1'))?.name).toBe('a1');
    });

    it('inserts a first app only into an empty table, once among concurrent attempts', async () => {
      // Reads in parallel first, so that a pooled backend has its connections open and the attempts
      // below really overlap instead of queueing behind connection setup.
      await Promise.all(Array.from({ length: 10 }, () => store.apps.list()));
      const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => store.apps.insertFirst(app(`f${i}`))));
      expect(attempts.filter(Boolean)).toHaveLength(1);
      const apps = await store.apps.list();
      expect(apps).toHaveLength(1);
      expect(await store.apps.insertFirst(app('late'))).toBe(false);
      expect(await store.apps.list()).toEqual(apps);
    });

    it('upserts profiles, changing only the fields given', async () => {
      await store.apps.insert(app('a1'));
      const created = await store.users.upsertProfile('a1', 'u1', { name: 'Ann', portraitUri: 'p1' }, 10);
      expect(created).toMatchObject({ userId: 'u1', name: 'Ann', portraitUri: 'p1', createdAt: 10, tokensValidAfter: 0 });
      const renamed = await store.users.upsertProfile('a1', 'u1', { name: 'Anne' }, 20);
      expect(renamed).toMatchObject({ name: 'Anne', portraitUri: 'p1', createdAt: 10 });
      expect(await store.users.updateProfile('a1', 'u1', { portraitUri: 'p2' })).toBe(true);
      expect(await store.users.updateProfile('a1', 'nobody', { portraitUri: 'p2' })).toBe(false);
      expect(await store.users.get('a1', 'u1')).toMatchObject({ name: 'Anne', portraitUri: 'p2' });
    });

    it('keeps the users of different apps apart', async () => {
      await store.apps.insert(app('a1'));
      await store.apps.insert(app('a2'));
      await store.users.upsertProfile('a1', 'same', { name: 'one' }, 1);
      await store.users.upsertProfile('a2', 'same', { name: 'two' }, 1);
      await store.users.setBlockedUntil('a1', ['same'], 1000, 1);
      expect(await store.users.get('a1', 'same')).toMatchObject({ name: 'one', blockedUntil: 1000 });
      expect(await store.users.get('a2', 'same')).toMatchObject({ name: 'two', blockedUntil: 0 });
    });

    it('sets bans, expiry instants and deactivation for several users, creating missing ones', async () => {
      await store.apps.insert(app('a1'));
      await store.users.setBlockedUntil('a1', ['b', 'a', 'c'], 5000, 1);
      await store.users.setBlockedUntil('a1', ['c'], 0, 1);
      await store.users.setTokensValidAfter('a1', ['a'], 777, 1);
      await store.users.setDeactivated('a1', ['b'], true, 1);
      expect((await store.users.listBlocked('a1', 100, { offset: 0, limit: 10 })).map((u) => u.userId)).toEqual(['a', 'b']);
      expect((await store.users.listBlocked('a1', 100, { offset: 1, limit: 10 })).map((u) => u.userId)).toEqual(['b']);
      expect(await store.users.listBlocked('a1', 5000, { offset: 0, limit: 10 })).toEqual([]);
      expect(await store.users.get('a1', 'a')).toMatchObject({ tokensValidAfter: 777, deactivated: false });
      expect(await store.users.get('a1', 'b')).toMatchObject({ deactivated: true });
      await store.users.setDeactivated('a1', ['b'], false, 1);
      expect(await store.users.get('a1', 'b')).toMatchObject({ deactivated: false });
    });

    describe('groups', () => {
      beforeEach(async () => {
        await store.apps.insert(app('a1'));
        await store.apps.insert(app('a2'));
      });

      it('creates a group on first addMembers and adds members idempotently', async () => {
        await store.groups.addMembers('a1', 'g1', 'Team', ['carol', 'alice'], 10);
        await store.groups.addMembers('a1', 'g1', 'Team', ['alice', 'bob'], 20);
        expect(await store.groups.get('a1', 'g1')).toEqual({ appKey: 'a1', groupId: 'g1', name: 'Team', createdAt: 10 });
        expect(await store.groups.members('a1', 'g1')).toEqual(['alice', 'bob', 'carol']);
      });

      it('keeps an existing name when addMembers is given none, and renames when given one', async () => {
        await store.groups.addMembers('a1', 'g1', 'Original', ['alice'], 10);
        await store.groups.addMembers('a1', 'g1', undefined, ['bob'], 20);
        expect((await store.groups.get('a1', 'g1'))?.name).toBe('Original');
        await store.groups.addMembers('a1', 'g1', 'Renamed', [], 30);
        expect(await store.groups.get('a1', 'g1')).toMatchObject({ name: 'Renamed', createdAt: 10 });
        expect(await store.groups.members('a1', 'g1')).toEqual(['alice', 'bob']);
      });

      it('removes only the given members, ignores non-members, and keeps the group', async () => {
        await store.groups.addMembers('a1', 'g1', 'G', ['alice', 'bob', 'carol'], 10);
        await store.groups.removeMembers('a1', 'g1', ['bob', 'nobody'], 20);
        expect(await store.groups.members('a1', 'g1')).toEqual(['alice', 'carol']);
        await store.groups.removeMembers('a1', 'g1', ['alice', 'carol'], 30);
        expect(await store.groups.members('a1', 'g1')).toEqual([]);
        expect(await store.groups.get('a1', 'g1')).toMatchObject({ groupId: 'g1', name: 'G' });
      });

      it('answers isMember for members, non-members and unknown groups', async () => {
        await store.groups.addMembers('a1', 'g1', 'G', ['alice'], 10);
        expect(await store.groups.isMember('a1', 'g1', 'alice')).toBe(true);
        expect(await store.groups.isMember('a1', 'g1', 'bob')).toBe(false);
        expect(await store.groups.isMember('a1', 'nogroup', 'alice')).toBe(false);
        expect(await store.groups.members('a1', 'nogroup')).toEqual([]);
        expect(await store.groups.get('a1', 'nogroup')).toBeUndefined();
      });

      it('dismisses a group with its memberships; a second dismiss and an unknown group answer false', async () => {
        await store.groups.addMembers('a1', 'g1', 'G', ['alice', 'bob'], 10);
        expect(await store.groups.dismiss('a1', 'g1')).toBe(true);
        expect(await store.groups.get('a1', 'g1')).toBeUndefined();
        expect(await store.groups.members('a1', 'g1')).toEqual([]);
        expect(await store.groups.isMember('a1', 'g1', 'alice')).toBe(false);
        expect(await store.groups.dismiss('a1', 'g1')).toBe(false);
        expect(await store.groups.dismiss('a1', 'never')).toBe(false);
        // Re-creating the id starts from nothing: no member of the dismissed group comes back.
        await store.groups.addMembers('a1', 'g1', undefined, ['carol'], 40);
        expect(await store.groups.members('a1', 'g1')).toEqual(['carol']);
        expect(await store.groups.get('a1', 'g1')).toMatchObject({ name: '', createdAt: 40 });
      });

      it('opens a membership period at a join, closes it at a quit and opens another at a re-join', async () => {
        const periodsOf = (userId: string) => store.groups.periods('a1', 'g1', userId);
        await store.groups.addMembers('a1', 'g1', 'G', ['alice', 'bob'], 10);
        // Joining again while a member, or quitting while not one, changes nothing.
        await store.groups.addMembers('a1', 'g1', undefined, ['alice'], 20);
        await store.groups.removeMembers('a1', 'g1', ['carol'], 25);
        expect(await periodsOf('alice')).toEqual([{ joinedAt: 10, leftAt: undefined }]);
        expect(await periodsOf('carol')).toEqual([]);
        await store.groups.removeMembers('a1', 'g1', ['alice'], 30);
        await store.groups.removeMembers('a1', 'g1', ['alice'], 35);
        expect(await periodsOf('alice')).toEqual([{ joinedAt: 10, leftAt: 30 }]);
        await store.groups.addMembers('a1', 'g1', undefined, ['alice'], 40);
        expect(await periodsOf('alice')).toEqual([
          { joinedAt: 10, leftAt: 30 },
          { joinedAt: 40, leftAt: undefined },
        ]);
        expect(await periodsOf('bob')).toEqual([{ joinedAt: 10, leftAt: undefined }]);
        expect(await store.groups.periods('a1', 'nogroup', 'alice')).toEqual([]);
        expect(await store.groups.periods('a2', 'g1', 'alice')).toEqual([]);
      });

      it('keeps the periods a join, quit and re-join make within one millisecond', async () => {
        await store.groups.addMembers('a1', 'g1', 'G', ['alice'], 10);
        await store.groups.removeMembers('a1', 'g1', ['alice'], 10);
        await store.groups.addMembers('a1', 'g1', undefined, ['alice'], 10);
        expect(await store.groups.periods('a1', 'g1', 'alice')).toEqual([
          { joinedAt: 10, leftAt: 10 },
          { joinedAt: 10, leftAt: undefined },
        ]);
      });

      it(`keeps the ${MEMBERSHIP_PERIODS_KEPT} most recently opened periods of a user, dropping the oldest`, async () => {
        const cycles = MEMBERSHIP_PERIODS_KEPT + 5;
        for (let i = 0; i < cycles; i++) {
          await store.groups.addMembers('a1', 'g1', 'G', ['alice', 'bob'], i * 10);
          await store.groups.removeMembers('a1', 'g1', ['alice'], i * 10 + 5);
        }
        // A re-join stamped by a clock behind the others': the order periods were opened in, not
        // joinedAt, decides which are the oldest.
        await store.groups.addMembers('a1', 'g1', undefined, ['alice'], 1);
        const periods = await store.groups.periods('a1', 'g1', 'alice');
        expect(periods).toHaveLength(MEMBERSHIP_PERIODS_KEPT);
        expect(periods.at(-1)).toEqual({ joinedAt: 1, leftAt: undefined });
        const firstKept = cycles - MEMBERSHIP_PERIODS_KEPT + 1;
        expect(periods[0]).toEqual({ joinedAt: firstKept * 10, leftAt: firstKept * 10 + 5 });
        // Another member's periods are not touched.
        expect(await store.groups.periods('a1', 'g1', 'bob')).toEqual([{ joinedAt: 0, leftAt: undefined }]);
      });

      it('deletes the periods with the group at dismiss; a re-created group starts without them', async () => {
        await store.groups.addMembers('a1', 'g1', 'G', ['alice', 'bob'], 10);
        await store.groups.removeMembers('a1', 'g1', ['bob'], 20);
        await store.groups.addMembers('a2', 'g1', 'Other app', ['alice'], 10);
        expect(await store.groups.dismiss('a1', 'g1')).toBe(true);
        expect(await store.groups.periods('a1', 'g1', 'alice')).toEqual([]);
        expect(await store.groups.periods('a1', 'g1', 'bob')).toEqual([]);
        expect(await store.groups.periods('a2', 'g1', 'alice')).toEqual([{ joinedAt: 10, leftAt: undefined }]);
        await store.groups.addMembers('a1', 'g1', undefined, ['alice'], 40);
        expect(await store.groups.periods('a1', 'g1', 'alice')).toEqual([{ joinedAt: 40, leftAt: undefined }]);
      });

      it('keeps the groups of different apps apart', async () => {
        await store.groups.addMembers('a1', 'same', 'One', ['alice'], 10);
        await store.groups.addMembers('a2', 'same', 'Two', ['bob'], 10);
        expect(await store.groups.members('a1', 'same')).toEqual(['alice']);
        expect(await store.groups.members('a2', 'same')).toEqual(['bob']);
        expect(await store.groups.isMember('a2', 'same', 'alice')).toBe(false);
        await store.groups.removeMembers('a2', 'same', ['alice'], 20);
        expect(await store.groups.members('a1', 'same')).toEqual(['alice']);
        expect(await store.groups.dismiss('a1', 'same')).toBe(true);
        expect(await store.groups.get('a2', 'same')).toMatchObject({ name: 'Two' });
        expect(await store.groups.members('a2', 'same')).toEqual(['bob']);
        expect(await store.groups.dismiss('a1', 'onlyina2')).toBe(false);
      });
    });

    describe('messages', () => {
      beforeEach(async () => {
        await store.apps.insert(app('a1'));
        await store.apps.insert(app('a2'));
      });


      it('returns a direction-2 cursor for each recipient and a sender cursor only with senderCopy', async () => {
        const [group, system] = await store.messages.append([
          groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], 1000),
          systemMessage('a1', 'admin', 'bob', 1000),
        ]);
        expect(group?.duplicate).toBe(false);
        expect(group?.cursors.map((c) => c.userId).sort()).toEqual(['alice', 'bob', 'carol']);
        expect(system?.cursors.map((c) => c.userId)).toEqual(['bob']);
        // bob's two cursors come from one inbox, so they differ and follow input order.
        expect(cursorOf(system, 'bob')).toBeGreaterThan(cursorOf(group, 'bob'));

        const inboxOf = async (userId: string) =>
          (await store.messages.pullInbox('a1', userId, 0, 10)).map((e) => ({ cursor: e.cursor, direction: e.direction, uid: e.message.uid }));
        expect(await inboxOf('alice')).toEqual([{ cursor: cursorOf(group, 'alice'), direction: 1, uid: group?.message.uid }]);
        expect(await inboxOf('carol')).toEqual([{ cursor: cursorOf(group, 'carol'), direction: 2, uid: group?.message.uid }]);
        expect(await inboxOf('bob')).toEqual([
          { cursor: cursorOf(group, 'bob'), direction: 2, uid: group?.message.uid },
          { cursor: cursorOf(system, 'bob'), direction: 2, uid: system?.message.uid },
        ]);
        expect(await inboxOf('admin')).toEqual([]);
      });

      it('returns and pulls the message exactly as given, without the delivery fields', async () => {
        const sent = privateMessage('a1', 'alice', 'bob', 1234, { objectName: 'RC:ImgMsg', content: '{"content":"图"}', flags: 3, clientUniqueId: 'c-1' });
        const [appended] = await store.messages.append([sent]);
        const { recipients: _recipients, senderCopy: _senderCopy, ...stored } = sent;
        expect(appended?.message).toEqual(stored);
        expect(appended?.message).not.toHaveProperty('recipients');
        const [entry] = await store.messages.pullInbox('a1', 'bob', 0, 10);
        expect(entry?.message).toEqual(stored);
      });

      it('gives 1,000 messages sent in the same millisecond strictly increasing cursors, and pages through them once each, in order', async () => {
        const sentTime = 1_700_000_000_000;
        const sent: NewMessage[] = [];
        const cursors: number[] = [];
        // Several appends, as concurrent write batches would make them.
        for (let batch = 0; batch < 10; batch++) {
          const messages = Array.from({ length: 100 }, () => privateMessage('a1', 'alice', 'bob', sentTime));
          sent.push(...messages);
          for (const result of await store.messages.append(messages)) cursors.push(cursorOf(result, 'bob'));
        }
        expect(cursors).toHaveLength(1000);
        const notIncreasing = cursors.filter((cursor, i) => i > 0 && cursor <= (cursors[i - 1] ?? Infinity));
        expect(notIncreasing).toEqual([]);

        const pulled: string[] = [];
        let after = 0;
        for (let page = 0; page < 1000; page++) {
          const entries = await store.messages.pullInbox('a1', 'bob', after, 7);
          if (entries.length === 0) break;
          expect(entries.length).toBeLessThanOrEqual(7);
          pulled.push(...entries.map((e) => e.message.uid));
          after = entries.at(-1)?.cursor ?? after;
        }
        expect(pulled).toEqual(sent.map((m) => m.uid));
        expect(after).toBe(cursors.at(-1));

        // The sender's copies share the same guarantee in the sender's own inbox.
        const aliceInbox = await store.messages.pullInbox('a1', 'alice', 0, 2000);
        expect(aliceInbox.map((e) => e.message.uid)).toEqual(sent.map((m) => m.uid));
        expect(aliceInbox.every((e) => e.direction === 1)).toBe(true);
      });

      it('keeps cursors increasing when a later message carries an earlier sent time', async () => {
        // A clock stepping back (or another node's clock) must not make sync skip or repeat.
        const [first] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 5000)]);
        const [earlier] = await store.messages.append([privateMessage('a1', 'carol', 'bob', 4000)]);
        const [later] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 5001)]);
        expect(cursorOf(earlier, 'bob')).toBeGreaterThan(cursorOf(first, 'bob'));
        expect(cursorOf(later, 'bob')).toBeGreaterThan(cursorOf(earlier, 'bob'));
        const uids = (await store.messages.pullInbox('a1', 'bob', cursorOf(first, 'bob'), 10)).map((e) => e.message.uid);
        expect(uids).toEqual([earlier?.message.uid, later?.message.uid]);
      });

      it('stores a retried send once: the duplicate gets the first message, no cursors, and writes nothing', async () => {
        const first = privateMessage('a1', 'alice', 'bob', 1000, { clientUniqueId: 'retry-1', content: '{"content":"first"}' });
        const [stored] = await store.messages.append([first]);
        const retry = privateMessage('a1', 'alice', 'bob', 2000, { clientUniqueId: 'retry-1', content: '{"content":"second"}' });
        const [again] = await store.messages.append([retry]);
        expect(again).toEqual({ message: stored?.message, duplicate: true, cursors: [] });
        expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.uid)).toEqual([first.uid]);
        expect((await store.messages.pullInbox('a1', 'alice', 0, 10)).map((e) => e.message.uid)).toEqual([first.uid]);
        expect((await store.messages.history('a1', first.conversationKey, 'alice', 0, false, 10)).map((m) => m.uid)).toEqual([first.uid]);
        const [conversation] = await store.messages.conversations('a1', 'bob', 0, 10);
        expect(conversation?.lastMessage.uid).toBe(first.uid);

        // Within one batch the second copy is a duplicate of the first too.
        const twice = privateMessage('a1', 'alice', 'bob', 3000, { clientUniqueId: 'retry-2' });
        const [one, two] = await store.messages.append([twice, { ...twice, uid: newMessageUid() }]);
        expect(one?.duplicate).toBe(false);
        expect(two).toEqual({ message: one?.message, duplicate: true, cursors: [] });
        expect(await store.messages.pullInbox('a1', 'bob', 0, 10)).toHaveLength(2);
      });

      it('does not treat the same clientUniqueId from another sender or another app as a duplicate', async () => {
        const results = await store.messages.append([
          privateMessage('a1', 'alice', 'bob', 1000, { clientUniqueId: 'same' }),
          privateMessage('a1', 'carol', 'bob', 1000, { clientUniqueId: 'same' }),
          privateMessage('a2', 'alice', 'bob', 1000, { clientUniqueId: 'same' }),
          // Messages without a clientUniqueId are never duplicates of each other.
          privateMessage('a1', 'alice', 'bob', 1000),
          privateMessage('a1', 'alice', 'bob', 1000),
        ]);
        expect(results.map((r) => r.duplicate)).toEqual([false, false, false, false, false]);
        expect(await store.messages.pullInbox('a1', 'bob', 0, 10)).toHaveLength(4);
        expect(await store.messages.pullInbox('a2', 'bob', 0, 10)).toHaveLength(1);
      });

      it('stores nothing of a batch when one message in it cannot be stored', async () => {
        const good = privateMessage('a1', 'alice', 'bob', 1000, { clientUniqueId: 'good' });
        const clash = privateMessage('a1', 'carol', 'bob', 1001);
        await expect(store.messages.append([good, clash, { ...clash, senderId: 'dave', clientUniqueId: 'x' }])).rejects.toThrow();
        for (const userId of ['alice', 'bob', 'carol', 'dave']) {
          expect(await store.messages.pullInbox('a1', userId, 0, 10)).toEqual([]);
          expect(await store.messages.conversations('a1', userId, 0, 10)).toEqual([]);
        }
        expect(await store.messages.history('a1', good.conversationKey, 'alice', 0, false, 10)).toEqual([]);
        // The rolled-back message left no trace that would turn its retry into a "duplicate".
        const [retried] = await store.messages.append([good]);
        expect(retried?.duplicate).toBe(false);
        expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.uid)).toEqual([good.uid]);
      });

      it('pages history older (newest first, strictly before) and newer (oldest first, strictly after)', async () => {
        const key = conversationKey(1, 'alice', 'bob');
        const at = (sentTime: number, from = 'alice', to = 'bob') => privateMessage('a1', from, to, sentTime);
        const m100 = at(100);
        const m200 = at(200, 'bob', 'alice');
        const m300 = at(300);
        const m400 = at(400, 'bob', 'alice');
        await store.messages.append([
          m100,
          m200,
          // Not persisted (a typing status): delivered, never in history.
          { ...at(250), flags: 0 },
          m300,
          // Other conversations at the same times stay out of this one's history.
          at(250, 'alice', 'carol'),
          groupMessage('a1', 'alice', 'g1', ['bob'], 250),
          systemMessage('a1', 'alice', 'bob', 250),
          m400,
        ]);
        const uids = (messages: StoredMessage[]) => messages.map((m) => m.uid);
        expect(uids(await store.messages.history('a1', key, 'alice', 300, true, 10))).toEqual([m200.uid, m100.uid]);
        expect(uids(await store.messages.history('a1', key, 'alice', 10_000, true, 10))).toEqual([m400.uid, m300.uid, m200.uid, m100.uid]);
        expect(uids(await store.messages.history('a1', key, 'alice', 10_000, true, 2))).toEqual([m400.uid, m300.uid]);
        expect(uids(await store.messages.history('a1', key, 'alice', 100, false, 10))).toEqual([m200.uid, m300.uid, m400.uid]);
        expect(uids(await store.messages.history('a1', key, 'alice', 0, false, 2))).toEqual([m100.uid, m200.uid]);
        expect(await store.messages.history('a1', key, 'alice', 100, true, 10)).toEqual([]);
        expect(await store.messages.history('a1', key, 'alice', 400, false, 10)).toEqual([]);
        // Both sides name the conversation with the same key.
        expect(conversationKey(1, 'bob', 'alice')).toBe(key);
      });

      it('limits history to a window of sent times, from inclusive and to exclusive, within the page bound', async () => {
        const at = (sentTime: number) => groupMessage('a1', 'alice', 'g1', ['bob'], sentTime);
        const sent = [100, 200, 300, 400, 500].map(at);
        await store.messages.append(sent);
        const key = conversationKey(3, 'bob', 'g1');
        const times = (messages: StoredMessage[]) => messages.map((m) => m.sentTime);
        expect(times(await store.messages.history('a1', key, 'alice', 10_000, true, 10, { from: 200, to: 400 }))).toEqual([300, 200]);
        expect(times(await store.messages.history('a1', key, 'alice', 0, false, 10, { from: 200, to: 400 }))).toEqual([200, 300]);
        expect(times(await store.messages.history('a1', key, 'alice', 0, false, 10, { from: 300, to: undefined }))).toEqual([300, 400, 500]);
        // The page's own bound (strictly before or after `time`) still holds inside the window.
        expect(times(await store.messages.history('a1', key, 'alice', 300, true, 10, { from: 100, to: 500 }))).toEqual([200, 100]);
        expect(times(await store.messages.history('a1', key, 'alice', 300, false, 10, { from: 100, to: 500 }))).toEqual([400]);
        expect(times(await store.messages.history('a1', key, 'alice', 10_000, true, 1, { from: 100, to: 500 }))).toEqual([400]);
        expect(await store.messages.history('a1', key, 'alice', 10_000, true, 10, { from: 250, to: 300 })).toEqual([]);
      });

      it('lists one conversation per (user, type, target) with its latest message, most recent first', async () => {
        const toBob = privateMessage('a1', 'alice', 'bob', 100);
        const fromCarol = privateMessage('a1', 'carol', 'alice', 150);
        const fromBob = privateMessage('a1', 'bob', 'alice', 200);
        const inGroup = groupMessage('a1', 'alice', 'g1', ['bob'], 300);
        const notice = systemMessage('a1', 'admin', 'alice', 400);
        for (const m of [toBob, fromCarol, fromBob, inGroup, notice]) await store.messages.append([m]);

        const summary = (list: ConversationEntry[]) =>
          list.map((c) => ({ type: c.conversationType, target: c.targetId, versionTime: c.versionTime, last: c.lastMessage.uid }));
        expect(summary(await store.messages.conversations('a1', 'alice', 0, 10))).toEqual([
          { type: 6, target: 'admin', versionTime: 400, last: notice.uid },
          { type: 3, target: 'g1', versionTime: 300, last: inGroup.uid },
          { type: 1, target: 'bob', versionTime: 200, last: fromBob.uid },
          { type: 1, target: 'carol', versionTime: 150, last: fromCarol.uid },
        ]);
        expect(summary(await store.messages.conversations('a1', 'bob', 0, 10))).toEqual([
          { type: 3, target: 'g1', versionTime: 300, last: inGroup.uid },
          { type: 1, target: 'alice', versionTime: 200, last: fromBob.uid },
        ]);
        // `before` is a strict bound, and `limit` cuts from the most recent end.
        expect(summary(await store.messages.conversations('a1', 'alice', 300, 10)).map((c) => c.target)).toEqual(['bob', 'carol']);
        expect(summary(await store.messages.conversations('a1', 'alice', 0, 2)).map((c) => c.target)).toEqual(['admin', 'g1']);
        // A system message leaves its sender no conversation, since the sender got no copy.
        expect(await store.messages.conversations('a1', 'admin', 0, 10)).toEqual([]);
        const [withCarol] = await store.messages.conversations('a1', 'carol', 0, 10);
        expect(withCarol?.lastMessage).toMatchObject({ senderId: 'carol', targetId: 'alice', conversationKey: fromCarol.conversationKey });
      });

      it('points a conversation at the last persisted message of a batch, and leaves it alone for one not persisted', async () => {
        const first = privateMessage('a1', 'alice', 'bob', 100);
        const reply = privateMessage('a1', 'bob', 'alice', 200);
        // A typing status: delivered, never a conversation's latest.
        const typing = privateMessage('a1', 'alice', 'bob', 300, { flags: 0 });
        const countedOnly = privateMessage('a1', 'alice', 'carol', 300, { flags: MessageFlag.COUNTED });
        await store.messages.append([first, reply, typing, countedOnly]);

        const summary = async (userId: string) =>
          (await store.messages.conversations('a1', userId, 0, 10)).map((c) => ({ target: c.targetId, versionTime: c.versionTime, last: c.lastMessage.uid }));
        expect(await summary('alice')).toEqual([{ target: 'bob', versionTime: 200, last: reply.uid }]);
        expect(await summary('bob')).toEqual([{ target: 'alice', versionTime: 200, last: reply.uid }]);
        expect(await summary('carol')).toEqual([]);
        expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => [e.message.uid, e.direction])).toEqual([
          [first.uid, 2],
          [reply.uid, 1],
          [typing.uid, 2],
        ]);
        expect((await store.messages.pullInbox('a1', 'carol', 0, 10)).map((e) => e.message.uid)).toEqual([countedOnly.uid]);
      });

      it('purges messages sent before an instant with their inbox and conversation rows, and returns the count', async () => {
        const old1 = privateMessage('a1', 'alice', 'bob', 100);
        const old2 = privateMessage('a1', 'carol', 'bob', 200);
        const recent = privateMessage('a1', 'alice', 'bob', 300);
        await store.messages.append([old1, old2, recent]);
        expect(await store.messages.purgeBefore(300, 100)).toBe(2);

        expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.uid)).toEqual([recent.uid]);
        expect((await store.messages.pullInbox('a1', 'carol', 0, 10))).toEqual([]);
        expect((await store.messages.history('a1', old1.conversationKey, 'alice', 0, false, 10)).map((m) => m.uid)).toEqual([recent.uid]);
        expect(await store.messages.history('a1', old2.conversationKey, 'alice', 0, false, 10)).toEqual([]);
        // bob's conversation with carol ended in a purged message and goes; the one with alice stays.
        expect((await store.messages.conversations('a1', 'bob', 0, 10)).map((c) => c.targetId)).toEqual(['alice']);
        expect(await store.messages.conversations('a1', 'carol', 0, 10)).toEqual([]);
        expect(await store.messages.purgeBefore(300, 100)).toBe(0);
      });

      it('purges at most `limit` messages a call', async () => {
        for (let t = 1; t <= 5; t++) await store.messages.append([privateMessage('a1', 'alice', 'bob', t * 100)]);
        const kept = privateMessage('a1', 'alice', 'bob', 10_000);
        await store.messages.append([kept]);
        expect(await store.messages.purgeBefore(1000, 2)).toBe(2);
        expect(await store.messages.pullInbox('a1', 'bob', 0, 10)).toHaveLength(4);
        expect(await store.messages.purgeBefore(1000, 2)).toBe(2);
        expect(await store.messages.purgeBefore(1000, 2)).toBe(1);
        expect(await store.messages.purgeBefore(1000, 2)).toBe(0);
        expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.uid)).toEqual([kept.uid]);
      });

      it('never hands out a cursor at or below one handed out before a purge', async () => {
        // A device that synced up to the last cursor must still see what arrives after a purge.
        const appended = await store.messages.append([privateMessage('a1', 'alice', 'bob', 100), privateMessage('a1', 'alice', 'bob', 100)]);
        const lastCursor = cursorOf(appended.at(-1), 'bob');
        expect(await store.messages.purgeBefore(1000, 100)).toBe(2);
        const [next] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 100)]);
        expect(cursorOf(next, 'bob')).toBeGreaterThan(lastCursor);
        expect((await store.messages.pullInbox('a1', 'bob', lastCursor, 10)).map((e) => e.message.uid)).toEqual([next?.message.uid]);
      });

      it('keeps the inboxes, history and conversations of different apps apart', async () => {
        const inA1 = privateMessage('a1', 'alice', 'bob', 100);
        const inA2 = privateMessage('a2', 'alice', 'bob', 100);
        await store.messages.append([inA1, inA2]);
        expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.uid)).toEqual([inA1.uid]);
        expect((await store.messages.pullInbox('a2', 'bob', 0, 10)).map((e) => e.message.uid)).toEqual([inA2.uid]);
        expect((await store.messages.history('a1', inA1.conversationKey, 'alice', 0, false, 10)).map((m) => m.uid)).toEqual([inA1.uid]);
        expect((await store.messages.history('a2', inA1.conversationKey, 'alice', 0, false, 10)).map((m) => m.uid)).toEqual([inA2.uid]);
        expect((await store.messages.conversations('a2', 'bob', 0, 10)).map((c) => c.lastMessage.uid)).toEqual([inA2.uid]);
        expect(await store.messages.pullInbox('other', 'bob', 0, 10)).toEqual([]);
      });
    });

    describeMessageChanges(() => store);
    describeReadState(() => store);
    describeDeletions(() => store);
    describeConversationStates(() => store);

    if (reopen) {
      it('keeps what it stored across a close and reopen', async () => {
        await store.apps.insert(app('a1'));
        await store.users.upsertProfile('a1', 'u1', { name: 'kept' }, 1);
        await store.close();
        store = await reopen();
        expect(await store.users.get('a1', 'u1')).toMatchObject({ name: 'kept' });
      });

      it('never hands out a cursor at or below one handed out before a purge, after a reopen too', async () => {
        // Nothing of the inbox is left, nor any head the store kept in memory: only what the purge wrote down.
        const appended = await store.messages.append([privateMessage('a1', 'alice', 'bob', 100), privateMessage('a1', 'alice', 'bob', 100)]);
        const lastCursor = cursorOf(appended.at(-1), 'bob');
        expect(await store.messages.purgeBefore(1000, 100)).toBe(2);
        await store.close();
        store = await reopen();
        const [next] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 100)]);
        expect(cursorOf(next, 'bob')).toBeGreaterThan(lastCursor);
        expect(cursorOf(next, 'alice')).toBeGreaterThan(cursorOf(appended.at(-1), 'alice'));
      });
    }
  });
}

/**
 * Migration 5 on a database that version 4 left with group members in it: each member gets an open
 * membership period from the time they joined. `openAfter` runs the given SQL on an empty database
 * and opens a store on it.
 */
export function describePeriodsMigration(backend: string, dialect: Dialect, openAfter: (statements: string[]) => Promise<Store>): void {
  it(`${backend} store: migration 5 opens a membership period for every member, from their join`, async () => {
    const store = await openAfter([
      `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${dialect.bigint} NOT NULL)`,
      ...migrations.filter((m) => m.version < 5).flatMap((m) => [...m.statements(dialect), `INSERT INTO schema_migrations VALUES (${m.version}, '${m.name}', 0)`]),
      `INSERT INTO apps (app_key, app_secret, name, state, token_lifetime_seconds, device_policy, max_devices, safe_domains, signature_mode,
         api_rate_limit, created_at, updated_at) VALUES ('a1', 'secret', 'a1', 'active', 0, 'per-class', 5, '[]', 'compatible', 100, 1, 1)`,
      `INSERT INTO chat_groups (app_key, group_id, name, created_at) VALUES ('a1', 'g1', 'G', 10), ('a1', 'g2', 'H', 10)`,
      `INSERT INTO group_members (app_key, group_id, user_id, joined_at) VALUES ('a1', 'g1', 'alice', 10), ('a1', 'g1', 'bob', 20), ('a1', 'g2', 'bob', 30)`,
    ]);
    try {
      expect(await store.groups.periods('a1', 'g1', 'alice')).toEqual([{ joinedAt: 10, leftAt: undefined }]);
      expect(await store.groups.periods('a1', 'g1', 'bob')).toEqual([{ joinedAt: 20, leftAt: undefined }]);
      expect(await store.groups.periods('a1', 'g2', 'bob')).toEqual([{ joinedAt: 30, leftAt: undefined }]);
      expect(await store.groups.periods('a1', 'g2', 'alice')).toEqual([]);
      // The seeded periods behave as any other: a quit closes them.
      await store.groups.removeMembers('a1', 'g1', ['alice'], 40);
      expect(await store.groups.periods('a1', 'g1', 'alice')).toEqual([{ joinedAt: 10, leftAt: 40 }]);
    } finally {
      await store.close();
    }
  });
}

/** Messages shaped the way core/messaging/message-service.ts builds them, with realistic keys. */
export function privateMessage(appKey: string, from: string, to: string, sentTime: number, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    ...baseMessage(appKey, from, sentTime),
    conversationType: 1,
    targetId: to,
    conversationKey: conversationKey(1, from, to),
    recipients: [to],
    senderCopy: true,
    ...extra,
  };
}

function groupMessage(appKey: string, from: string, groupId: string, otherMembers: string[], sentTime: number, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    ...baseMessage(appKey, from, sentTime),
    conversationType: 3,
    targetId: groupId,
    conversationKey: conversationKey(3, from, groupId),
    recipients: otherMembers,
    senderCopy: true,
    ...extra,
  };
}

function systemMessage(appKey: string, from: string, to: string, sentTime: number, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    ...baseMessage(appKey, from, sentTime),
    conversationType: 6,
    targetId: to,
    // conversation-key.ts: a system conversation is its recipient's.
    conversationKey: conversationKey(6, to, from),
    recipients: [to],
    senderCopy: false,
    ...extra,
  };
}

function baseMessage(appKey: string, senderId: string, sentTime: number) {
  return {
    appKey,
    uid: newMessageUid(),
    senderId,
    objectName: 'RC:TxtMsg',
    content: JSON.stringify({ content: `hello at ${sentTime}` }),
    sentTime,
    flags: 3,
    clientUniqueId: undefined,
  };
}

/** Recall, edit and expansion (MessageChangeRepository and changes carried by appended messages). */
function describeMessageChanges(current: () => Store): void {
  describe('message changes', () => {
    const recallOf = (original: StoredMessage, sentTime: number, isDelete = false): NewMessage =>
      privateMessage('a1', original.senderId, original.targetId, sentTime, {
        objectName: 'RC:RcCmd',
        content: JSON.stringify({ messageUId: original.uid }),
        flags: 0,
        change: { kind: 'recall', uid: original.uid, conversationKey: original.conversationKey, recall: { operatorId: original.senderId, time: 0, isDelete, admin: false } },
      });

    it('stores a recall with its command in one transaction, once, and serves the recalled message', async () => {
      const store = current();
      const [sent] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 100)]);
      const original = sent!.message;
      const [recalled] = await store.messages.append([recallOf(original, 200)]);
      expect(recalled!.change).toMatchObject({ kind: 'applied', message: { uid: original.uid, recall: { operatorId: 'alice', time: 200, isDelete: false } } });
      const holders = recalled!.change!.kind === 'applied' ? recalled!.change!.holders : [];
      expect(holders.map((h) => [h.userId, h.direction])).toEqual([['alice', 1], ['bob', 2]]);
      expect((await store.messageChanges.find('a1', original.uid))?.recall).toEqual({ operatorId: 'alice', time: 200, isDelete: false, admin: false });
      // The peer's inbox: the original (as it stands) and the command, which knows where the original sits.
      const bobInbox = await store.messages.pullInbox('a1', 'bob', 0, 10);
      expect(bobInbox.map((e) => [e.message.objectName, e.message.recall?.time, e.changesCursor])).toEqual([
        ['RC:TxtMsg', 200, undefined],
        ['RC:RcCmd', undefined, bobInbox[0]!.cursor],
      ]);
      // The sender's own copy is never judged by cursor (DeviceSync).
      expect((await store.messages.pullInbox('a1', 'alice', 0, 10)).map((e) => e.changesCursor)).toEqual([undefined, undefined]);
      const history = await store.messages.history('a1', original.conversationKey, 'alice', 1000, true, 10);
      expect(history.map((m) => [m.uid, m.recall?.time])).toEqual([[original.uid, 200]]);
      // A second recall (a retry, or a race) stores nothing and says how the first went.
      const [again] = await store.messages.append([recallOf(original, 300)]);
      expect(again).toMatchObject({ duplicate: false, cursors: [], change: { kind: 'repeat', message: { recall: { time: 200 } } } });
      expect(await store.messages.pullInbox('a1', 'bob', 0, 10)).toHaveLength(2);
    });

    it('leaves a message recalled with delete out of history, and refuses a change naming another conversation', async () => {
      const store = current();
      const [sent] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 100)]);
      const original = sent!.message;
      const [elsewhere] = await store.messages.append([{ ...recallOf(original, 150), change: { kind: 'recall', uid: original.uid, conversationKey: conversationKey(1, 'alice', 'carol'), recall: { operatorId: 'alice', time: 0, isDelete: false, admin: false } } }]);
      expect(elsewhere).toMatchObject({ cursors: [], change: { kind: 'missing' } });
      const [other] = await store.messages.append([{ ...recallOf(original, 150), appKey: 'a2' }]);
      expect(other!.change).toEqual({ kind: 'missing' });
      expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.objectName)).toEqual(['RC:TxtMsg']);
      await store.messages.append([recallOf(original, 200, true)]);
      expect(await store.messages.history('a1', original.conversationKey, 'alice', 1000, true, 10)).toEqual([]);
    });

    it('edits a message and gives every holder its edit feed entry at a strictly increasing version', async () => {
      const store = current();
      const [sent] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 100)]);
      const original = sent!.message;
      const edit = (content: string, time: number) => store.messageChanges.edit('a1', { kind: 'edit', uid: original.uid, content, conversationKey: original.conversationKey }, time);
      const first = await edit('{"content":"one"}', 500);
      expect(first.outcome).toMatchObject({ kind: 'applied', message: { content: '{"content":"one"}', modifiedTime: 500 } });
      expect(first.versions).toEqual([{ userId: 'alice', version: 500 }, { userId: 'bob', version: 500 }]);
      // An earlier clock still moves both the edit time and the versions forward.
      const second = await edit('{"content":"two"}', 400);
      expect(second.outcome).toMatchObject({ kind: 'applied', message: { modifiedTime: 501 } });
      expect(second.versions).toEqual([{ userId: 'alice', version: 501 }, { userId: 'bob', version: 501 }]);
      expect(await edit('{"content":"two"}', 600)).toEqual({ outcome: { kind: 'repeat', message: expect.objectContaining({ modifiedTime: 501 }) }, versions: [] });
      const feed = await store.messageChanges.editsAfter('a1', 'bob', 0, 10);
      expect(feed.map((e) => [e.version, e.message.content, e.message.modifiedTime])).toEqual([[501, '{"content":"two"}', 501]]);
      expect(await store.messageChanges.editsAfter('a1', 'bob', 501, 10)).toHaveLength(0);
      expect((await store.messages.pullInbox('a1', 'bob', 0, 10))[0]?.message).toMatchObject({ content: '{"content":"two"}', modifiedTime: 501 });
      await store.messages.append([recallOf(original, 700)]);
      expect((await edit('{"content":"three"}', 800)).outcome).toMatchObject({ kind: 'refused', status: 20116 });
      expect((await store.messageChanges.edit('a1', { kind: 'edit', uid: 'NONE-NONE-NONE-NONE', content: '{}', conversationKey: original.conversationKey }, 800)).outcome).toEqual({ kind: 'missing' });
    });

    it('merges expansion updates into an expandable message, up to 300 keys, storing the update only when it applies', async () => {
      const store = current();
      const expandable = privateMessage('a1', 'alice', 'bob', 100, { flags: 3 | MessageFlag.EXPANDABLE, expansion: JSON.stringify({ a: { v: '1', ts: 0 } }) });
      const [sent] = await store.messages.append([expandable, privateMessage('a1', 'alice', 'bob', 101)]);
      const original = sent!.message;
      expect((await store.messageChanges.find('a1', original.uid))?.expansion).toBe(expandable.expansion);
      const update = (change: { put?: Record<string, string>; del?: string[] }, uid = original.uid, sentTime = 200) =>
        privateMessage('a1', 'bob', 'alice', sentTime, { objectName: 'RC:MsgExMsg', content: '{}', flags: 0, change: { kind: 'expand', uid, conversationKey: original.conversationKey, ...change } });
      const [merged] = await store.messages.append([update({ put: { b: '2' }, del: ['a'] })]);
      expect(merged!.change).toMatchObject({ kind: 'applied' });
      expect(JSON.parse((await store.messageChanges.find('a1', original.uid))!.expansion!)).toEqual({ b: { v: '2', ts: 0 } });
      const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v']));
      const [tooMany] = await store.messages.append([update({ put: many })]);
      expect(tooMany).toMatchObject({ cursors: [], change: { kind: 'refused', status: 34010 } });
      const [notExpandable] = await store.messages.append([update({ put: { b: '3' } }, (await store.messages.history('a1', original.conversationKey, 'alice', 1000, true, 1))[0]!.uid)]);
      expect(notExpandable!.change).toMatchObject({ kind: 'refused', status: 22202 });
      expect((await store.messages.pullInbox('a1', 'alice', 0, 10)).map((e) => e.message.objectName)).toEqual(['RC:TxtMsg', 'RC:TxtMsg', 'RC:MsgExMsg']);
    });

    it("sends a change only to the original's holders, and takes expansion updates only from a holder", async () => {
      const store = current();
      // Directed to bob; carol is a member who was not listed. The change messages are addressed
      // to the whole membership, as the send path routes them; the store narrows them.
      const directed = groupMessage('a1', 'alice', 'g1', ['bob'], 100, { toUserIds: ['bob'], flags: 3 | MessageFlag.EXPANDABLE });
      await store.messages.append([directed]);
      const members = ['alice', 'bob', 'carol', 'dave'];
      const change = (from: string, sentTime: number, objectName: string, carried: NewMessage['change']) =>
        groupMessage('a1', from, 'g1', members.filter((m) => m !== from), sentTime, { objectName, content: '{}', flags: 0, change: carried });
      const expand = (from: string, sentTime: number) =>
        change(from, sentTime, 'RC:MsgExMsg', { kind: 'expand', uid: directed.uid, conversationKey: directed.conversationKey, put: { secret: from } });

      const [byCarol] = await store.messages.append([expand('carol', 150)]);
      expect(byCarol).toMatchObject({ cursors: [], change: { kind: 'refused', status: 22201 } });
      const [byBob] = await store.messages.append([expand('bob', 200)]);
      expect(byBob!.change).toMatchObject({ kind: 'applied' });
      expect(byBob!.cursors.map((c) => c.userId).sort()).toEqual(['alice', 'bob']);
      const recall = { operatorId: 'alice', time: 0, isDelete: false, admin: false };
      const [recalled] = await store.messages.append([change('alice', 300, 'RC:RcCmd', { kind: 'recall', uid: directed.uid, conversationKey: directed.conversationKey, recall })]);
      expect(recalled!.cursors.map((c) => c.userId).sort()).toEqual(['alice', 'bob']);
      for (const outsider of ['carol', 'dave']) expect(await store.messages.pullInbox('a1', outsider, 0, 10)).toEqual([]);
      expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => e.message.objectName)).toEqual(['RC:TxtMsg', 'RC:MsgExMsg', 'RC:RcCmd']);
    });

    it('keeps one edit feed entry per user and message, moved to a new version at each edit', async () => {
      const store = current();
      const [first, second] = [privateMessage('a1', 'alice', 'bob', 100), privateMessage('a1', 'alice', 'bob', 101)];
      await store.messages.append([first!, second!]);
      const edit = (m: NewMessage, content: string, time: number) =>
        store.messageChanges.edit('a1', { kind: 'edit', uid: m.uid, content: JSON.stringify({ content }), conversationKey: m.conversationKey }, time);
      await edit(first!, 'one', 500);
      await edit(second!, 'two', 600);
      const again = await edit(first!, 'one again', 700);
      expect(again.versions).toEqual([{ userId: 'alice', version: 700 }, { userId: 'bob', version: 700 }]);
      const feed = await store.messageChanges.editsAfter('a1', 'bob', 0, 10);
      expect(feed.map((e) => [e.version, e.message.uid])).toEqual([
        [600, second!.uid],
        [700, first!.uid],
      ]);
      // A device whose cursor passed the first edit still hears of the second edit of that message.
      expect((await store.messageChanges.editsAfter('a1', 'bob', 600, 10)).map((e) => e.message.uid)).toEqual([first!.uid]);
    });

    it('takes a message recalled with delete out of the conversation list and the edit feed', async () => {
      const store = current();
      const earlier = privateMessage('a1', 'bob', 'alice', 100);
      const last = privateMessage('a1', 'alice', 'bob', 200);
      const only = privateMessage('a1', 'alice', 'carol', 150);
      await store.messages.append([earlier, last, only]);
      await store.messageChanges.edit('a1', { kind: 'edit', uid: last.uid, content: '{"content":"edited"}', conversationKey: last.conversationKey }, 300);
      await store.messages.append([recallOf(last, 400, true), recallOf(only, 401, true)]);
      const lastOf = async (userId: string) => (await store.messages.conversations('a1', userId, 0, 10)).map((c) => [c.targetId, c.lastMessage.uid]);
      expect(await lastOf('alice')).toEqual([['bob', earlier.uid]]);
      expect(await lastOf('bob')).toEqual([['alice', earlier.uid]]);
      expect(await lastOf('carol')).toEqual([]);
      expect(await store.messageChanges.editsAfter('a1', 'bob', 0, 10)).toEqual([]);
    });
  });
}

/** Directed group messages, read positions with the unread counted from them, and group reads (ReadRepository). */
function describeReadState(current: () => Store): void {
  describe('read state', () => {
    const uids = (messages: { uid: string }[]) => messages.map((m) => m.uid);

    it('keeps a directed group message for the users it names: their inboxes, and history for them and the sender only', async () => {
      const store = current();
      const directed = groupMessage('a1', 'alice', 'g1', ['bob'], 100, { toUserIds: ['bob'] });
      const open = groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], 200);
      const [stored] = await store.messages.append([directed, open]);
      expect(stored!.message.toUserIds).toEqual(['bob']);
      expect((await store.messages.pullInbox('a1', 'bob', 0, 10)).map((e) => [e.message.uid, e.message.toUserIds])).toEqual([
        [directed.uid, ['bob']],
        [open.uid, undefined],
      ]);
      expect((await store.messages.pullInbox('a1', 'carol', 0, 10)).map((e) => e.message.uid)).toEqual([open.uid]);
      const key = conversationKey(3, 'alice', 'g1');
      expect(uids(await store.messages.history('a1', key, 'carol', 1000, true, 10))).toEqual([open.uid]);
      expect(uids(await store.messages.history('a1', key, 'carol', 0, false, 10))).toEqual([open.uid]);
      expect(uids(await store.messages.history('a1', key, 'bob', 1000, true, 10))).toEqual([open.uid, directed.uid]);
      expect(uids(await store.messages.history('a1', key, 'alice', 0, false, 10))).toEqual([directed.uid, open.uid]);
      // A name that merely contains another's is not it.
      expect(uids(await store.messages.history('a1', key, 'bo', 1000, true, 10))).toEqual([open.uid]);
    });

    it('moves a read position forward only, each move at a version above all earlier ones of the user', async () => {
      const store = current();
      const withAlice = { conversationType: 1 as const, targetId: 'alice' };
      const inGroup = { conversationType: 3 as const, targetId: 'g1' };
      const mark = (appKey: string, userId: string, c: ReadPosition | typeof withAlice | typeof inGroup, readTime: number, now: number) =>
        store.reads.markRead(appKey, userId, c, readTime, now, false);
      expect(await mark('a1', 'bob', withAlice, 100, 1000)).toEqual({ kind: 'moved', version: 1000 });
      expect(await mark('a1', 'bob', withAlice, 100, 2000)).toEqual({ kind: 'unchanged' });
      expect(await mark('a1', 'bob', withAlice, 50, 2000)).toEqual({ kind: 'unchanged' });
      // A clock behind the last version still moves it forward.
      expect(await mark('a1', 'bob', withAlice, 200, 900)).toEqual({ kind: 'moved', version: 1001 });
      expect(await mark('a1', 'bob', inGroup, 300, 900)).toEqual({ kind: 'moved', version: 1002 });
      expect(await mark('a1', 'carol', withAlice, 100, 500)).toEqual({ kind: 'moved', version: 500 });
      expect(await mark('a2', 'bob', withAlice, 100, 10)).toEqual({ kind: 'moved', version: 10 });
      expect(await store.reads.readTime('a1', 'bob', withAlice)).toBe(200);
      expect(await store.reads.readTime('a1', 'bob', { conversationType: 1, targetId: 'dave' })).toBe(0);

      const changed = (version: number, after?: ReadPosition, limit = 10) => store.reads.changedSince('a1', 'bob', version, after, limit);
      expect(await changed(1001)).toEqual([
        { ...withAlice, readTime: 200, version: 1001 },
        { ...inGroup, readTime: 300, version: 1002 },
      ]);
      expect(await changed(1002)).toEqual([{ ...inGroup, readTime: 300, version: 1002 }]);
      const [first] = await changed(0, undefined, 1);
      expect(first).toEqual({ ...withAlice, readTime: 200, version: 1001 });
      expect(await changed(0, first, 1)).toEqual([{ ...inGroup, readTime: 300, version: 1002 }]);
      expect(await changed(1003)).toEqual([]);
    });

    it("marks, listed only, just the conversations in the user's list, or those with a position already", async () => {
      const store = current();
      await store.messages.append([privateMessage('a1', 'alice', 'bob', 100), groupMessage('a1', 'alice', 'g1', ['bob'], 110), systemMessage('a1', 'admin', 'bob', 120)]);
      const mark = (userId: string, conversationType: 1 | 3 | 6, targetId: string, readTime = 100) => store.reads.markRead('a1', userId, { conversationType, targetId }, readTime, 1000, true);
      expect(await mark('bob', 1, 'alice')).toMatchObject({ kind: 'moved' });
      expect(await mark('bob', 3, 'g1')).toMatchObject({ kind: 'moved' });
      expect(await mark('bob', 6, 'admin')).toMatchObject({ kind: 'moved' });
      for (const [userId, type, targetId] of [['bob', 1, 'mallory'], ['mallory', 1, 'bob'], ['bob', 3, 'g2'], ['mallory', 3, 'g1'], ['bob', 6, 'news']] as const) {
        expect(await mark(userId, type, targetId)).toEqual({ kind: 'no-conversation' });
      }
      expect(await store.reads.changedSince('a1', 'mallory', 0, undefined, 10)).toEqual([]);
      // A group member needs no row: the caller checked membership.
      expect(await store.reads.markRead('a1', 'carol', { conversationType: 3, targetId: 'g1' }, 100, 1000, false)).toMatchObject({ kind: 'moved' });
      // A position once made stays markable, whatever becomes of the row.
      await store.messages.purgeBefore(1000, 10);
      expect(await mark('bob', 1, 'alice', 150)).toMatchObject({ kind: 'moved' });
    });

    it('gives positions a new version without moving them, creating them only for listed conversations, and forgets old ones', async () => {
      const store = current();
      await store.messages.append([privateMessage('a1', 'alice', 'bob', 100), privateMessage('a1', 'carol', 'bob', 100)]);
      await store.reads.markRead('a1', 'bob', { conversationType: 1, targetId: 'alice' }, 100, 1000, true);
      const version = await store.reads.touch(
        'a1',
        'bob',
        [
          { conversationType: 1, targetId: 'alice' },
          { conversationType: 1, targetId: 'carol' },
          { conversationType: 1, targetId: 'nobody' },
        ],
        500,
      );
      expect(version).toBe(1001);
      expect(await store.reads.changedSince('a1', 'bob', version, undefined, 10)).toEqual([
        { conversationType: 1, targetId: 'alice', readTime: 100, version },
        { conversationType: 1, targetId: 'carol', readTime: 0, version },
      ]);
      await store.reads.markRead('a1', 'dave', { conversationType: 3, targetId: 'g1' }, 100, 5000, false);
      expect(await store.reads.purgeBefore(2000, 1)).toBe(1);
      expect(await store.reads.purgeBefore(2000, 10)).toBe(1);
      expect(await store.reads.purgeBefore(2000, 10)).toBe(0);
      expect(await store.reads.readTime('a1', 'bob', { conversationType: 1, targetId: 'alice' })).toBe(0);
      expect(await store.reads.readTime('a1', 'dave', { conversationType: 3, targetId: 'g1' })).toBe(100);
    });

    it("lists a user's conversations with their read positions, page by page in a stable order", async () => {
      const store = current();
      await store.messages.append([
        privateMessage('a1', 'alice', 'bob', 100),
        privateMessage('a1', 'carol', 'bob', 110),
        groupMessage('a1', 'alice', 'g1', ['bob'], 120),
        systemMessage('a1', 'admin', 'bob', 130),
      ]);
      await store.reads.markRead('a1', 'bob', { conversationType: 1, targetId: 'carol' }, 110, 5000, true);
      const all = await store.reads.positions('a1', 'bob', undefined, 10);
      expect(all.map((p) => [p.conversationType, p.targetId, p.readTime, p.version])).toEqual([
        [1, 'alice', 0, 0],
        [1, 'carol', 110, 5000],
        [3, 'g1', 0, 0],
        [6, 'admin', 0, 0],
      ]);
      const firstPage = await store.reads.positions('a1', 'bob', undefined, 2);
      expect(firstPage).toEqual(all.slice(0, 2));
      expect(await store.reads.positions('a1', 'bob', firstPage.at(-1), 2)).toEqual(all.slice(2));
      expect(await store.reads.positions('a1', 'bob', all.at(-1), 2)).toEqual([]);
      expect(await store.reads.positions('a2', 'bob', undefined, 10)).toEqual([]);
    });

    const everything = { from: 1, to: undefined };
    const none = { count: 0, mentionCount: 0, mentionMeCount: 0, first: undefined, newest: 0 };

    it('counts as unread the counted messages others sent within the window, that reached the viewer, and not recalled', async () => {
      const store = current();
      const key = conversationKey(1, 'alice', 'bob');
      const m100 = privateMessage('a1', 'alice', 'bob', 100);
      const mention = JSON.stringify({ content: '@bob', mentionedInfo: { type: 2, userIdList: ['bob'] } });
      const m300 = privateMessage('a1', 'alice', 'bob', 300, { flags: 3 | MessageFlag.MENTIONED, content: mention });
      const recalled = privateMessage('a1', 'alice', 'bob', 350);
      await store.messages.append([
        m100,
        // Persisted but not counted, and a status message: neither counts.
        privateMessage('a1', 'alice', 'bob', 200, { flags: 1 }),
        privateMessage('a1', 'alice', 'bob', 250, { flags: 0 }),
        m300,
        recalled,
        // Bob's own.
        privateMessage('a1', 'bob', 'alice', 400),
        privateMessage('a1', 'alice', 'carol', 500),
        // Written under the conversation's key without reaching bob's inbox (as a sender's own copy of a read position).
        privateMessage('a1', 'alice', 'bob', 550, { recipients: [] }),
      ]);
      await store.messages.append([
        privateMessage('a1', 'alice', 'bob', 600, {
          objectName: 'RC:RcCmd',
          content: '{}',
          flags: 0,
          change: { kind: 'recall', uid: recalled.uid, conversationKey: key, recall: { operatorId: 'alice', time: 600, isDelete: false, admin: false } },
        }),
      ]);
      // The newest: the recall command, whose recall the count already leaves out.
      expect(await store.reads.unread('a1', 'bob', key, everything, 100)).toEqual({
        count: 2,
        mentionCount: 1,
        mentionMeCount: 1,
        first: { uid: m100.uid, sentTime: 100, objectName: 'RC:TxtMsg' },
        newest: 600,
      });
      expect(await store.reads.unread('a1', 'bob', key, { from: 101, to: 300 }, 100)).toEqual(none);
      expect(await store.reads.unread('a1', 'bob', key, { from: 101, to: 600 }, 100)).toEqual({ ...none, count: 1, mentionCount: 1, mentionMeCount: 1, first: expect.objectContaining({ uid: m300.uid }), newest: 300 });
      expect((await store.reads.unread('a1', 'alice', key, everything, 100)).count).toBe(1);
      expect((await store.reads.unread('a1', 'bob', key, everything, 100)).count).toBe(2);
      expect(await store.reads.unread('a2', 'bob', key, everything, 100)).toEqual(none);
    });

    it('counts mentions of everyone and of the viewer by name, and looks at the newest messages of the window only', async () => {
      const store = current();
      const mentioning = (sentTime: number, info: object) =>
        groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], sentTime, { flags: 3 | MessageFlag.MENTIONED, content: JSON.stringify({ content: '@', mentionedInfo: info }) });
      await store.messages.append([
        groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], 100),
        mentioning(200, { type: 1 }),
        mentioning(300, { type: 2, userIdList: ['bob', 'carol'] }),
        mentioning(400, { type: 2, userIdList: ['carol'] }),
        // Named without the mention flag, and a name that merely contains bob's: neither is a mention of bob.
        groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], 500, { content: JSON.stringify({ mentionedInfo: { type: 2, userIdList: ['bob'] } }) }),
        mentioning(600, { type: 2, userIdList: ['bobby', 'x"bob"'] }),
      ]);
      const key = conversationKey(3, 'bob', 'g1');
      expect(await store.reads.unread('a1', 'bob', key, everything, 100)).toMatchObject({ count: 6, mentionCount: 2, mentionMeCount: 1, first: expect.objectContaining({ sentTime: 100 }), newest: 600 });
      expect(await store.reads.unread('a1', 'carol', key, everything, 100)).toMatchObject({ count: 6, mentionCount: 3, mentionMeCount: 2 });
      // The newest three messages alone: the count stops there, and so does what it reports.
      expect(await store.reads.unread('a1', 'bob', key, everything, 3)).toEqual({ count: 3, mentionCount: 0, mentionMeCount: 0, first: expect.objectContaining({ sentTime: 400 }), newest: 600 });
    });

    it('counts directed group messages only for those they name, and system messages by sender', async () => {
      const store = current();
      await store.messages.append([
        groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], 100),
        groupMessage('a1', 'alice', 'g1', ['carol'], 200, { toUserIds: ['carol'] }),
        systemMessage('a1', 'admin', 'bob', 300),
        systemMessage('a1', 'news', 'bob', 310),
        systemMessage('a1', 'news', 'bob', 320),
      ]);
      const group = conversationKey(3, 'bob', 'g1');
      expect((await store.reads.unread('a1', 'bob', group, everything, 100)).count).toBe(1);
      expect((await store.reads.unread('a1', 'carol', group, everything, 100)).count).toBe(2);
      const system = conversationKey(6, 'bob', 'news');
      expect((await store.reads.unread('a1', 'bob', system, everything, 100, 'news')).count).toBe(2);
      expect((await store.reads.unread('a1', 'bob', system, everything, 100, 'admin')).count).toBe(1);
    });

    it('records group reads once per reader, and tells the readers of a message with how many it reached', async () => {
      const store = current();
      const [sent] = await store.messages.append([groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], 100)]);
      const [privately] = await store.messages.append([privateMessage('a1', 'alice', 'bob', 110)]);
      const uid = sent!.message.uid;
      expect(await store.reads.receivedInGroup('a1', 'bob', 'g1', [uid, 'NONE-NONE-NONE-NONE', privately!.message.uid])).toEqual([{ uid, senderId: 'alice' }]);
      expect(await store.reads.receivedInGroup('a1', 'alice', 'g1', [uid])).toEqual([{ uid, senderId: 'alice' }]);
      expect(await store.reads.receivedInGroup('a1', 'bob', 'g2', [uid])).toEqual([]);
      expect(await store.reads.receivedInGroup('a1', 'dave', 'g1', [uid])).toEqual([]);
      expect(await store.reads.receivedInGroup('a2', 'bob', 'g1', [uid])).toEqual([]);

      expect(await store.reads.recordGroupReads('a1', 'bob', [uid], 500)).toEqual([uid]);
      expect(await store.reads.recordGroupReads('a1', 'bob', [uid], 700)).toEqual([]);
      expect(await store.reads.recordGroupReads('a1', 'carol', [uid], 600)).toEqual([uid]);
      expect(await store.reads.groupReaders('a1', uid)).toEqual({
        senderId: 'alice',
        groupId: 'g1',
        reached: 2,
        readers: [
          { userId: 'bob', readTime: 500 },
          { userId: 'carol', readTime: 600 },
        ],
      });
      expect(await store.reads.groupReaders('a1', privately!.message.uid)).toBeUndefined();
      expect(await store.reads.groupReaders('a2', uid)).toBeUndefined();
      // Reads go with their message.
      await store.messages.purgeBefore(1000, 10);
      expect(await store.reads.groupReaders('a1', uid)).toBeUndefined();
    });
  });
}

/** Per-user deletes and clears (DeletionRepository): hidden from that user alone, everywhere they read. */
function describeDeletions(current: () => Store): void {
  describe('per-user deletion', () => {
    const uids = (messages: { uid: string }[]) => messages.map((m) => m.uid);
    const pulled = async (store: Store, userId: string, appKey = 'a1') => (await store.messages.pullInbox(appKey, userId, 0, 100)).map((e) => e.message.uid);
    const history = async (store: Store, key: string, viewer: string) => uids(await store.messages.history('a1', key, viewer, 1e13, true, 100));
    const lastOf = async (store: Store, userId: string) =>
      (await store.messages.conversations('a1', userId, 0, 100)).map((c) => ({ target: c.targetId, last: c.lastMessage.uid, versionTime: c.versionTime }));
    const withBob = { conversationType: 1 as const, targetId: 'bob', conversationKey: conversationKey(1, 'alice', 'bob') };
    const withAlice = { ...withBob, targetId: 'alice' };

    it('hides deleted messages from the deleting user only: history, pulls (memory and database) and the conversation list', async () => {
      const store = current();
      const m1 = privateMessage('a1', 'alice', 'bob', 100);
      const m2 = privateMessage('a1', 'bob', 'alice', 200);
      const m3 = privateMessage('a1', 'alice', 'bob', 300);
      await store.messages.append([m1, m2, m3]);
      expect(await pulled(store, 'bob')).toEqual([m1.uid, m2.uid, m3.uid]);

      expect(await store.deletions.hide('a1', 'bob', withAlice, [m3.uid])).toEqual({ missing: [] });
      expect(await pulled(store, 'bob')).toEqual([m1.uid, m2.uid]);
      expect(await history(store, withBob.conversationKey, 'bob')).toEqual([m2.uid, m1.uid]);
      // The conversation shows the newest message left, as of its own time.
      expect(await lastOf(store, 'bob')).toEqual([{ target: 'alice', last: m2.uid, versionTime: 200 }]);
      // The other side keeps everything.
      expect(await pulled(store, 'alice')).toEqual([m1.uid, m2.uid, m3.uid]);
      expect(await history(store, withBob.conversationKey, 'alice')).toEqual([m3.uid, m2.uid, m1.uid]);
      expect(await lastOf(store, 'alice')).toEqual([{ target: 'bob', last: m3.uid, versionTime: 300 }]);

      // Idempotent, and the sender can delete their own copy too.
      expect(await store.deletions.hide('a1', 'bob', withAlice, [m3.uid, m3.uid])).toEqual({ missing: [] });
      expect(await store.deletions.hide('a1', 'bob', withAlice, [m2.uid])).toEqual({ missing: [] });
      expect(await pulled(store, 'bob')).toEqual([m1.uid]);
      expect(await lastOf(store, 'bob')).toEqual([{ target: 'alice', last: m1.uid, versionTime: 100 }]);
    });

    it('skips hidden entries inside pull pages and still fills each page', async () => {
      const store = current();
      const sent = Array.from({ length: 10 }, (_, i) => privateMessage('a1', 'alice', 'bob', 100 + i));
      await store.messages.append(sent);
      await store.deletions.hide('a1', 'bob', withAlice, uids(sent.filter((_, i) => i % 2 === 0)));
      const pages: string[][] = [];
      for (let after = 0, page = await store.messages.pullInbox('a1', 'bob', 0, 3); page.length > 0; page = await store.messages.pullInbox('a1', 'bob', after, 3)) {
        pages.push(uids(page.map((e) => e.message)));
        after = page.at(-1)!.cursor;
      }
      expect(pages).toEqual([uids([sent[1]!, sent[3]!, sent[5]!]), uids([sent[7]!, sent[9]!])]);
    });

    it('changes nothing when one UID is not a message of that conversation in the user\'s inbox, and names those', async () => {
      const store = current();
      const mine = privateMessage('a1', 'alice', 'bob', 100);
      const otherConversation = privateMessage('a1', 'alice', 'carol', 100);
      const otherApp = privateMessage('a2', 'alice', 'bob', 100);
      // A group message sent before bob was in the group never reached him.
      const beforeBobJoined = groupMessage('a1', 'alice', 'g1', ['carol'], 100);
      await store.messages.append([mine, otherConversation, otherApp, beforeBobJoined]);
      const attempt = [mine.uid, otherConversation.uid, otherApp.uid, 'NONE-NONE-NONE-NONE'];
      expect(await store.deletions.hide('a1', 'bob', withAlice, attempt)).toEqual({ missing: attempt.slice(1) });
      expect(await store.deletions.hide('a1', 'bob', { conversationType: 3, targetId: 'g1', conversationKey: conversationKey(3, 'bob', 'g1') }, [beforeBobJoined.uid])).toEqual({
        missing: [beforeBobJoined.uid],
      });
      expect(await pulled(store, 'bob')).toEqual([mine.uid]);
      expect(await lastOf(store, 'bob')).toEqual([{ target: 'alice', last: mine.uid, versionTime: 100 }]);
    });

    it('takes a conversation off the list when nothing of it is left to the user, until the next message', async () => {
      const store = current();
      const only = privateMessage('a1', 'alice', 'bob', 100);
      await store.messages.append([only]);
      await store.deletions.hide('a1', 'bob', withAlice, [only.uid]);
      expect(await lastOf(store, 'bob')).toEqual([]);
      expect(await lastOf(store, 'alice')).toHaveLength(1);
      const next = privateMessage('a1', 'alice', 'bob', 200);
      await store.messages.append([next]);
      expect(await lastOf(store, 'bob')).toEqual([{ target: 'alice', last: next.uid, versionTime: 200 }]);
      expect(await pulled(store, 'bob')).toEqual([next.uid]);
    });

    it('points a group conversation at the newest message left that reached the user', async () => {
      const store = current();
      const group = { conversationType: 3 as const, targetId: 'g1', conversationKey: conversationKey(3, 'bob', 'g1') };
      const early = groupMessage('a1', 'alice', 'g1', ['carol'], 100);
      const g1 = groupMessage('a1', 'alice', 'g1', ['bob', 'carol'], 200);
      const g2 = groupMessage('a1', 'carol', 'g1', ['alice', 'bob'], 300);
      await store.messages.append([early, g1, g2]);
      await store.deletions.hide('a1', 'bob', group, [g2.uid]);
      expect(await lastOf(store, 'bob')).toEqual([{ target: 'g1', last: g1.uid, versionTime: 200 }]);
      expect(await lastOf(store, 'carol')).toEqual([{ target: 'g1', last: g2.uid, versionTime: 300 }]);
      await store.deletions.hide('a1', 'bob', group, [g1.uid]);
      expect(await lastOf(store, 'bob')).toEqual([]);
      expect(await history(store, group.conversationKey, 'carol')).toEqual([g2.uid, g1.uid, early.uid]);
    });

    it('clears a conversation through an instant for that user only; a clear never moves back', async () => {
      const store = current();
      const [m100, m200, m300] = [100, 200, 300].map((t) => privateMessage('a1', t === 200 ? 'bob' : 'alice', t === 200 ? 'alice' : 'bob', t));
      const elsewhere = privateMessage('a1', 'carol', 'bob', 150);
      await store.messages.append([m100!, m200!, m300!, elsewhere]);
      expect(await pulled(store, 'bob')).toHaveLength(4);

      await store.deletions.clear('a1', 'bob', [{ ...withAlice, through: 200 }]);
      expect(await history(store, withBob.conversationKey, 'bob')).toEqual([m300!.uid]);
      expect(await pulled(store, 'bob')).toEqual([m300!.uid, elsewhere.uid]);
      expect(await history(store, withBob.conversationKey, 'alice')).toEqual([m300!.uid, m200!.uid, m100!.uid]);
      expect(uids(await store.messages.history('a1', withBob.conversationKey, 'bob', 0, false, 100))).toEqual([m300!.uid]);

      await store.deletions.clear('a1', 'bob', [{ ...withAlice, through: 100 }]);
      expect(await history(store, withBob.conversationKey, 'bob')).toEqual([m300!.uid]);

      await store.deletions.clear('a1', 'bob', [{ ...withAlice, through: 300 }]);
      expect((await lastOf(store, 'bob')).map((c) => c.target)).toEqual(['carol']);
      expect(await lastOf(store, 'alice')).toEqual([{ target: 'bob', last: m300!.uid, versionTime: 300 }]);
      const later = privateMessage('a1', 'alice', 'bob', 400);
      await store.messages.append([later]);
      expect(await pulled(store, 'bob')).toEqual([elsewhere.uid, later.uid]);
      expect(await history(store, withBob.conversationKey, 'bob')).toEqual([later.uid]);
    });

    it('clears several conversations in one call, and leaves alone one the user has no row of', async () => {
      const store = current();
      const fromAlice = privateMessage('a1', 'alice', 'bob', 100);
      const inGroup = groupMessage('a1', 'carol', 'g1', ['bob'], 100);
      await store.messages.append([fromAlice, inGroup]);
      await store.deletions.clear('a1', 'bob', [
        { ...withAlice, through: 100 },
        { conversationType: 3, targetId: 'g1', conversationKey: conversationKey(3, 'bob', 'g1'), through: 100 },
        { conversationType: 1, targetId: 'dave', conversationKey: conversationKey(1, 'bob', 'dave'), through: 1000 },
      ]);
      expect(await pulled(store, 'bob')).toEqual([]);
      expect(await lastOf(store, 'bob')).toEqual([]);
      // Nothing was recorded for dave's conversation: his message, sent before that instant, shows.
      const fromDave = privateMessage('a1', 'dave', 'bob', 500);
      await store.messages.append([fromDave]);
      expect(await pulled(store, 'bob')).toEqual([fromDave.uid]);
    });

    it('clears the system conversation of every sender, whose messages share one history', async () => {
      const store = current();
      const fromOne = systemMessage('a1', 'notices', 'bob', 100);
      const fromTwo = systemMessage('a1', 'billing', 'bob', 200);
      await store.messages.append([fromOne, fromTwo]);
      await store.deletions.clear('a1', 'bob', [{ conversationType: 6, targetId: 'notices', conversationKey: conversationKey(6, 'bob', 'notices'), through: 200 }]);
      expect(await lastOf(store, 'bob')).toEqual([]);
      expect(await pulled(store, 'bob')).toEqual([]);
    });

    it('leaves what the user deleted or cleared out of their unread count and edit feed', async () => {
      const store = current();
      const [m1, m2, m3] = [100, 200, 300].map((t) => privateMessage('a1', 'alice', 'bob', t));
      await store.messages.append([m1!, m2!, m3!]);
      const unread = async () => (await store.reads.unread('a1', 'bob', withBob.conversationKey, { from: 0, to: undefined }, 100)).count;
      expect(await unread()).toBe(3);
      await store.deletions.hide('a1', 'bob', withAlice, [m3!.uid]);
      await store.deletions.clear('a1', 'bob', [{ ...withAlice, through: 100 }]);
      expect(await unread()).toBe(1);
      for (const m of [m1!, m3!]) await store.messageChanges.edit('a1', { kind: 'edit', uid: m.uid, content: '{"content":"edited"}', conversationKey: m.conversationKey }, 500);
      expect(uids((await store.messageChanges.editsAfter('a1', 'bob', 0, 10)).map((e) => e.message))).toEqual([]);
      expect(uids((await store.messageChanges.editsAfter('a1', 'alice', 0, 10)).map((e) => e.message))).toEqual([m1!.uid, m3!.uid]);
    });

    it('forgets a clear once retention purged what it hid, and deletion marks go with their messages', async () => {
      const store = current();
      const [old, kept] = [privateMessage('a1', 'alice', 'bob', 100), privateMessage('a1', 'alice', 'bob', 300)];
      await store.messages.append([old!, kept!]);
      await store.deletions.clear('a1', 'bob', [{ ...withAlice, through: 200 }]);
      await store.deletions.hide('a1', 'bob', withAlice, [kept!.uid]);
      // The clear still hides a stored message, and instants after the cutoff are kept whatever they hide.
      expect(await store.deletions.purgeClears(1000, 10)).toBe(0);
      expect(await store.messages.purgeBefore(250, 10)).toBe(1);
      expect(await store.deletions.purgeClears(150, 10)).toBe(0);
      expect(await store.deletions.purgeClears(1000, 10)).toBe(1);
      expect(await store.deletions.purgeClears(1000, 10)).toBe(0);
      // A message someone deleted is purged like any other: the mark goes with it (a foreign key would refuse otherwise).
      expect(await store.messages.purgeBefore(1000, 10)).toBe(1);
      expect(await pulled(store, 'alice')).toEqual([]);
    });
  });
}
