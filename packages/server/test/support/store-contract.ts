import { MessageFlag } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conversationKey } from '../../src/core/messaging/conversation-key.js';
import { newMessageUid } from '../../src/core/messaging/message-uid.js';
import { migrations, type Dialect } from '../../src/store/migrations.js';
import { MEMBERSHIP_PERIODS_KEPT, type AppendedMessage, type AppRecord, type ConversationEntry, type NewMessage, type Store, type StoredMessage } from '../../src/store/store.js';

/**
 * The behaviour every Store backend must show. Each backend's test file calls this with a factory
 * that returns an empty, migrated store.
 */
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

      const cursorOf = (result: AppendedMessage | undefined, userId: string): number => {
        const cursor = result?.cursors.find((c) => c.userId === userId)?.cursor;
        if (cursor === undefined) throw new Error(`no cursor for ${userId}`);
        return cursor;
      };

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
        expect((await store.messages.history('a1', first.conversationKey, 0, false, 10)).map((m) => m.uid)).toEqual([first.uid]);
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
        expect(await store.messages.history('a1', good.conversationKey, 0, false, 10)).toEqual([]);
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
        expect(uids(await store.messages.history('a1', key, 300, true, 10))).toEqual([m200.uid, m100.uid]);
        expect(uids(await store.messages.history('a1', key, 10_000, true, 10))).toEqual([m400.uid, m300.uid, m200.uid, m100.uid]);
        expect(uids(await store.messages.history('a1', key, 10_000, true, 2))).toEqual([m400.uid, m300.uid]);
        expect(uids(await store.messages.history('a1', key, 100, false, 10))).toEqual([m200.uid, m300.uid, m400.uid]);
        expect(uids(await store.messages.history('a1', key, 0, false, 2))).toEqual([m100.uid, m200.uid]);
        expect(await store.messages.history('a1', key, 100, true, 10)).toEqual([]);
        expect(await store.messages.history('a1', key, 400, false, 10)).toEqual([]);
        // Both sides name the conversation with the same key.
        expect(conversationKey(1, 'bob', 'alice')).toBe(key);
      });

      it('limits history to a window of sent times, from inclusive and to exclusive, within the page bound', async () => {
        const at = (sentTime: number) => groupMessage('a1', 'alice', 'g1', ['bob'], sentTime);
        const sent = [100, 200, 300, 400, 500].map(at);
        await store.messages.append(sent);
        const key = conversationKey(3, 'bob', 'g1');
        const times = (messages: StoredMessage[]) => messages.map((m) => m.sentTime);
        expect(times(await store.messages.history('a1', key, 10_000, true, 10, { from: 200, to: 400 }))).toEqual([300, 200]);
        expect(times(await store.messages.history('a1', key, 0, false, 10, { from: 200, to: 400 }))).toEqual([200, 300]);
        expect(times(await store.messages.history('a1', key, 0, false, 10, { from: 300, to: undefined }))).toEqual([300, 400, 500]);
        // The page's own bound (strictly before or after `time`) still holds inside the window.
        expect(times(await store.messages.history('a1', key, 300, true, 10, { from: 100, to: 500 }))).toEqual([200, 100]);
        expect(times(await store.messages.history('a1', key, 300, false, 10, { from: 100, to: 500 }))).toEqual([400]);
        expect(times(await store.messages.history('a1', key, 10_000, true, 1, { from: 100, to: 500 }))).toEqual([400]);
        expect(await store.messages.history('a1', key, 10_000, true, 10, { from: 250, to: 300 })).toEqual([]);
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
        expect((await store.messages.history('a1', old1.conversationKey, 0, false, 10)).map((m) => m.uid)).toEqual([recent.uid]);
        expect(await store.messages.history('a1', old2.conversationKey, 0, false, 10)).toEqual([]);
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
        expect((await store.messages.history('a1', inA1.conversationKey, 0, false, 10)).map((m) => m.uid)).toEqual([inA1.uid]);
        expect((await store.messages.history('a2', inA1.conversationKey, 0, false, 10)).map((m) => m.uid)).toEqual([inA2.uid]);
        expect((await store.messages.conversations('a2', 'bob', 0, 10)).map((c) => c.lastMessage.uid)).toEqual([inA2.uid]);
        expect(await store.messages.pullInbox('other', 'bob', 0, 10)).toEqual([]);
      });
    });

    if (reopen) {
      it('keeps what it stored across a close and reopen', async () => {
        await store.apps.insert(app('a1'));
        await store.users.upsertProfile('a1', 'u1', { name: 'kept' }, 1);
        await store.close();
        store = await reopen();
        expect(await store.users.get('a1', 'u1')).toMatchObject({ name: 'kept' });
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
