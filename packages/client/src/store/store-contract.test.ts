import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationType } from '../enums.js';
import { IndexedDbLocalStoreFactory } from './indexeddb-store.js';
import {
  LocalStoreClosedError,
  type LocalMessage,
  type LocalStoreFactory,
  type MetaStore,
  type UserStore,
} from './local-store.js';
import { MemoryLocalStoreFactory } from './memory-store.js';
import { SqliteLocalStoreFactory } from './sqlite-store.js';

/**
 * One contract, three backends: whatever the SDK sees from a store must not depend on where it runs.
 * Each backend gives a factory over fresh storage; "reopen" means a new store from the same factory
 * (for SQLite: the same files; for IndexedDB: the same IDBFactory).
 */
interface Backend {
  name: string;
  persistent: boolean;
  create(): { factory: LocalStoreFactory; cleanup(): void };
}

const backends: Backend[] = [
  { name: 'memory', persistent: false, create: () => ({ factory: new MemoryLocalStoreFactory(), cleanup: () => {} }) },
  {
    name: 'sqlite',
    persistent: true,
    create: () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-client-store-'));
      return {
        factory: new SqliteLocalStoreFactory(dataDir),
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'indexeddb',
    persistent: true,
    create: () => ({ factory: new IndexedDbLocalStoreFactory(new IDBFactory()), cleanup: () => {} }),
  },
];

const APP = 'app1key';
const { PRIVATE, GROUP } = ConversationType;

function incoming(messageUId: string, sentTime: number, fields: Partial<LocalMessage> = {}): LocalMessage {
  return {
    messageUId,
    clientId: `uid:${messageUId}`,
    conversationType: PRIVATE,
    targetId: 'bob',
    senderUserId: 'bob',
    objectName: 'RC:TxtMsg',
    content: { content: `hello ${messageUId}` },
    sentTime,
    direction: 2,
    status: 'received',
    ...fields,
  };
}

function outgoing(clientId: string, sentTime: number, fields: Partial<LocalMessage> = {}): LocalMessage {
  return {
    messageUId: '',
    clientId,
    conversationType: PRIVATE,
    targetId: 'bob',
    senderUserId: 'alice',
    objectName: 'RC:TxtMsg',
    content: { content: `from alice ${clientId}` },
    sentTime,
    direction: 1,
    status: 'sending',
    ...fields,
  };
}

const clientIds = (messages: LocalMessage[]) => messages.map((message) => message.clientId);

describe.each(backends)('$name local store', (backend) => {
  let factory: LocalStoreFactory;
  let cleanup: () => void;
  const opened: (UserStore | MetaStore)[] = [];
  let alice: UserStore;

  async function openUser(userId: string, appKey = APP): Promise<UserStore> {
    const store = await factory.openUser(appKey, userId);
    opened.push(store);
    return store;
  }

  async function openMeta(appKey = APP): Promise<MetaStore> {
    const store = await factory.openMeta(appKey);
    opened.push(store);
    return store;
  }

  beforeEach(async () => {
    ({ factory, cleanup } = backend.create());
    alice = await openUser('alice');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    cleanup();
  });

  it(`says whether it persists (${backend.persistent})`, () => {
    expect(alice.persistent).toBe(backend.persistent);
  });

  describe('saveMessages', () => {
    it('returns the new messages in input order, and an empty call returns nothing', async () => {
      const batch = [incoming('U2', 2000), outgoing('c1', 1000), incoming('U1', 1500)];
      expect(clientIds(await alice.saveMessages(batch))).toEqual(['uid:U2', 'c1', 'uid:U1']);
      expect(await alice.saveMessages([])).toEqual([]);
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['uid:U2', 'uid:U1', 'c1']);
    });

    it('drops a message whose messageUId is stored, even under another clientId', async () => {
      await alice.saveMessages([incoming('U1', 1000)]);
      const added = await alice.saveMessages([incoming('U1', 1000, { clientId: 'other' }), incoming('U2', 2000)]);
      expect(clientIds(added)).toEqual(['uid:U2']);
      expect(await alice.getHistory(PRIVATE, 'bob', 0, 10)).toHaveLength(2);
    });

    it('drops an unacked outgoing message saved again under its clientId, while other unacked ones coexist', async () => {
      expect(await alice.saveMessages([outgoing('c1', 1000), outgoing('c2', 1001)])).toHaveLength(2);
      expect(await alice.saveMessages([outgoing('c1', 1000)])).toEqual([]);
      expect(clientIds(await alice.pendingOutgoing())).toEqual(['c1', 'c2']);
    });

    it('keeps only the first of duplicates within one call', async () => {
      const added = await alice.saveMessages([
        incoming('U1', 1000),
        incoming('U1', 1000, { clientId: 'again' }),
        outgoing('c1', 1100),
        outgoing('c1', 1200),
      ]);
      expect(clientIds(added)).toEqual(['uid:U1', 'c1']);
      const [conversation] = await alice.getConversations();
      expect(conversation?.unreadCount).toBe(1);
      expect(conversation?.latestMessage.sentTime).toBe(1100);
    });

    it('does not store again an acked message that sync brings back', async () => {
      await alice.saveMessages([outgoing('c1', 1000)]);
      await alice.markSent('c1', 'U1', 1005);
      const echo = incoming('U1', 1005, { senderUserId: 'alice', direction: 1, status: 'sent' });
      expect(await alice.saveMessages([echo])).toEqual([]);
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['c1']);
    });

    it('keeps a copy of the content: later changes to the caller object do not reach the store', async () => {
      const content = { content: 'hi', extra: { tags: ['a', 'b'], n: 1.5, nothing: null } };
      const message = incoming('U1', 1000, { content });
      await alice.saveMessages([message]);
      content.extra.tags.push('changed');
      message.sentTime = 9;
      const [stored] = await alice.getHistory(PRIVATE, 'bob', 0, 1);
      expect(stored).toEqual(incoming('U1', 1000, { content: { content: 'hi', extra: { tags: ['a', 'b'], n: 1.5, nothing: null } } }));
    });
  });

  describe('conversations', () => {
    it('shows the newest message; an older one arriving late counts as unread but does not replace it', async () => {
      await alice.saveMessages([incoming('U1', 1000), incoming('U2', 3000)]);
      await alice.saveMessages([incoming('U0', 500)]);
      const [conversation] = await alice.getConversations();
      expect(conversation).toEqual({
        conversationType: PRIVATE,
        targetId: 'bob',
        latestMessage: incoming('U2', 3000),
        updatedAt: 3000,
        unreadCount: 3,
        lastReadTime: 0,
        countedUpTo: 0,
      });
    });

    it('counts received messages as unread, not own ones, until marked read', async () => {
      await alice.saveMessages([
        incoming('U1', 1000),
        outgoing('c1', 1100),
        incoming('U2', 1200),
        // Sent by alice from another device, arriving through sync.
        incoming('U3', 1300, { senderUserId: 'alice', direction: 1, status: 'sent' }),
      ]);
      expect((await alice.getConversations())[0]?.unreadCount).toBe(2);
      await alice.markRead(PRIVATE, 'bob', 1300);
      expect((await alice.getConversations())[0]).toMatchObject({ unreadCount: 0, lastReadTime: 1300 });
      await alice.saveMessages([incoming('U4', 1400)]);
      const [conversation] = await alice.getConversations();
      expect(conversation?.unreadCount).toBe(1);
      expect(conversation?.latestMessage.messageUId).toBe('U4');
    });

    it('lists conversations most recent first, kept apart by type and target', async () => {
      await alice.saveMessages([
        incoming('U1', 1000),
        incoming('U2', 3000, { conversationType: GROUP, targetId: 'g1', senderUserId: 'carol' }),
        incoming('U3', 2000, { targetId: 'carol', senderUserId: 'carol' }),
        incoming('U4', 1500, { conversationType: GROUP, targetId: 'bob' }),
      ]);
      await alice.markRead(GROUP, 'g1', 3000);
      const list = await alice.getConversations();
      expect(list.map((c) => [c.conversationType, c.targetId, c.updatedAt, c.unreadCount])).toEqual([
        [GROUP, 'g1', 3000, 0],
        [PRIVATE, 'carol', 2000, 1],
        [GROUP, 'bob', 1500, 1],
        [PRIVATE, 'bob', 1000, 1],
      ]);
    });

    it('ignores markRead of a conversation that does not exist', async () => {
      await alice.markRead(PRIVATE, 'nobody', 1000, { unreadCount: 3, countedUpTo: 1000 });
      expect(await alice.getConversations()).toEqual([]);
    });

    it('moves the read position forward only, recounting what was received after it', async () => {
      await alice.saveMessages([incoming('U1', 1000), incoming('U2', 2000), incoming('U3', 3000), outgoing('c1', 3500)]);
      await alice.markRead(PRIVATE, 'bob', 2000);
      expect((await alice.getConversations())[0]).toMatchObject({ unreadCount: 1, lastReadTime: 2000 });
      // Never back: an older mark (a late sync from another device) changes nothing.
      await alice.markRead(PRIVATE, 'bob', 1000);
      expect((await alice.getConversations())[0]).toMatchObject({ unreadCount: 1, lastReadTime: 2000 });
      // A message from before the read position arriving late is not unread.
      await alice.saveMessages([incoming('U0', 1500), incoming('U4', 4000)]);
      expect((await alice.getConversations())[0]?.unreadCount).toBe(2);
    });

    it("takes the server's count for what it counted, and counts on top only what came after it", async () => {
      // This device holds only the newest two of the server's four unread.
      await alice.saveMessages([incoming('U3', 3000), incoming('U4', 4000)]);
      await alice.markRead(PRIVATE, 'bob', 500, { unreadCount: 4, countedUpTo: 4000 });
      expect((await alice.getConversations())[0]).toMatchObject({ unreadCount: 4, lastReadTime: 500, countedUpTo: 4000 });
      // The messages the count covers, pulled later, are not counted again; a newer one is.
      await alice.saveMessages([incoming('U1', 1000), incoming('U2', 2000), incoming('U5', 5000)]);
      expect((await alice.getConversations())[0]?.unreadCount).toBe(5);
      // A later count replaces it, plus what this device holds from after it.
      await alice.markRead(PRIVATE, 'bob', 3000, { unreadCount: 1, countedUpTo: 4000 });
      expect((await alice.getConversations())[0]).toMatchObject({ unreadCount: 2, lastReadTime: 3000, countedUpTo: 4000 });
      await alice.markRead(PRIVATE, 'bob', 5000);
      expect((await alice.getConversations())[0]).toMatchObject({ unreadCount: 0, lastReadTime: 5000 });
    });

    it('follows markSent and markFailed in the latest message, re-ordering by the server time', async () => {
      // The local clock runs ahead: the outgoing message looks newer than bob's until the server dates it.
      await alice.saveMessages([incoming('U2', 6000), outgoing('c1', 9000)]);
      await alice.markFailed('c1');
      expect((await alice.getConversations())[0]?.latestMessage).toMatchObject({ clientId: 'c1', status: 'failed' });
      await alice.markSent('c1', 'U1', 5000);
      const [conversation] = await alice.getConversations();
      expect(conversation?.latestMessage.messageUId).toBe('U2');
      expect(conversation?.updatedAt).toBe(6000);
      await alice.saveMessages([outgoing('c3', 7000)]);
      await alice.markSent('c3', 'U3', 7001);
      expect((await alice.getConversations())[0]).toMatchObject({
        updatedAt: 7001,
        latestMessage: { clientId: 'c3', messageUId: 'U3', sentTime: 7001, status: 'sent' },
      });
    });
  });

  describe('markSent and the send queue', () => {
    it('pendingOutgoing lists the unacked outgoing messages in save order', async () => {
      await alice.saveMessages([outgoing('c1', 3000), incoming('U9', 500), outgoing('c2', 1000)]);
      await alice.saveMessages([outgoing('c3', 2000), outgoing('c4', 2500)]);
      await alice.markSent('c2', 'U2', 3100);
      await alice.markFailed('c4');
      const pending = await alice.pendingOutgoing();
      expect(clientIds(pending)).toEqual(['c1', 'c3']);
      expect(pending[0]).toEqual(outgoing('c1', 3000));
    });

    it('markSent records the UID and the server time', async () => {
      await alice.saveMessages([outgoing('c1', 1000)]);
      await alice.markSent('c1', 'U1', 1234);
      expect(await alice.getHistory(PRIVATE, 'bob', 0, 10)).toEqual([
        outgoing('c1', 1234, { messageUId: 'U1', status: 'sent' }),
      ]);
    });

    it('markSent keeps the message once when a copy was synced before the ack', async () => {
      await alice.saveMessages([outgoing('c1', 1000)]);
      const copy = incoming('U1', 1010, { senderUserId: 'alice', direction: 1, status: 'sent' });
      expect(await alice.saveMessages([copy])).toHaveLength(1);
      await alice.markSent('c1', 'U1', 1010);
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['c1']);
      expect((await alice.getConversations())[0]?.latestMessage.clientId).toBe('c1');
      expect(await alice.saveMessages([copy])).toEqual([]);
    });

    it('markSent with an empty UID drops no other unacked message', async () => {
      await alice.saveMessages([outgoing('c1', 1000), outgoing('c2', 1001), outgoing('c3', 1002)]);
      await alice.markSent('c1', '', 1003);
      await alice.markSent('c2', '', 1004);
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['c2', 'c1', 'c3']);
      expect(clientIds(await alice.pendingOutgoing())).toEqual(['c3']);
    });

    it('markFailed leaves a sent message sent; both ignore unknown clientIds', async () => {
      await alice.saveMessages([outgoing('c1', 1000)]);
      await alice.markSent('c1', 'U1', 1001);
      await alice.markFailed('c1');
      await alice.markFailed('unknown');
      await alice.markSent('unknown', 'U7', 1);
      expect(await alice.getHistory(PRIVATE, 'bob', 0, 10)).toEqual([
        outgoing('c1', 1001, { messageUId: 'U1', status: 'sent' }),
      ]);
    });

    it('a failed message can still be acked by a later resend', async () => {
      await alice.saveMessages([outgoing('c1', 1000)]);
      await alice.markFailed('c1');
      expect(await alice.pendingOutgoing()).toEqual([]);
      await alice.markSent('c1', 'U1', 1001);
      expect((await alice.getHistory(PRIVATE, 'bob', 0, 1))[0]?.status).toBe('sent');
    });
  });

  describe('getHistory', () => {
    beforeEach(async () => {
      await alice.saveMessages([
        incoming('U3', 3000),
        incoming('U1', 1000),
        outgoing('c5', 5000),
        incoming('U2', 2000),
        incoming('U4', 4000),
        incoming('G1', 3500, { conversationType: GROUP, targetId: 'bob' }),
        incoming('X1', 3600, { targetId: 'carol', senderUserId: 'carol' }),
      ]);
    });

    it('returns one conversation newest first', async () => {
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['c5', 'uid:U4', 'uid:U3', 'uid:U2', 'uid:U1']);
      expect(clientIds(await alice.getHistory(GROUP, 'bob', 0, 10))).toEqual(['uid:G1']);
      expect(await alice.getHistory(PRIVATE, 'nobody', 0, 10)).toEqual([]);
    });

    it('pages with an exclusive before bound and a count', async () => {
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 2))).toEqual(['c5', 'uid:U4']);
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 4000, 2))).toEqual(['uid:U3', 'uid:U2']);
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 2000, 2))).toEqual(['uid:U1']);
      expect(await alice.getHistory(PRIVATE, 'bob', 1000, 2)).toEqual([]);
      expect(await alice.getHistory(PRIVATE, 'bob', 0, 0)).toEqual([]);
    });

    it('orders messages of one sentTime by save order, newest first', async () => {
      await alice.saveMessages([incoming('T1', 7000), incoming('T2', 7000)]);
      await alice.saveMessages([incoming('T3', 7000)]);
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 3))).toEqual(['uid:T3', 'uid:T2', 'uid:T1']);
      expect((await alice.getConversations())[0]?.latestMessage.messageUId).toBe('T3');
    });
  });

  describe('removeMessages', () => {
    it('removes messages by UID: gone from history, the latest becomes the newest left, and their unread goes', async () => {
      await alice.saveMessages([incoming('U1', 1000), outgoing('c1', 1100), incoming('U2', 1200), incoming('U3', 1300), incoming('G1', 1400, { conversationType: GROUP, targetId: 'g' })]);
      await alice.markSent('c1', 'S1', 1100);
      await alice.markRead(PRIVATE, 'bob', 1000);
      await alice.removeMessages({ messageUIds: ['U3', 'U1', 'S1', 'NONE'] });
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['uid:U2']);
      expect(await alice.getMessage('U3')).toBeUndefined();
      const conversations = await alice.getConversations();
      expect(conversations.map((c) => [c.targetId, c.latestMessage.clientId, c.updatedAt, c.unreadCount])).toEqual([
        ['g', 'uid:G1', 1400, 1],
        ['bob', 'uid:U2', 1200, 1],
      ]);
    });

    it('drops a conversation with nothing left, until a message comes again', async () => {
      await alice.saveMessages([incoming('U1', 1000), incoming('G1', 1400, { conversationType: GROUP, targetId: 'g' })]);
      await alice.removeMessages({ messageUIds: ['U1'] });
      expect((await alice.getConversations()).map((c) => c.targetId)).toEqual(['g']);
      await alice.saveMessages([incoming('U2', 2000)]);
      expect((await alice.getConversations()).map((c) => [c.targetId, c.unreadCount])).toEqual([
        ['bob', 1],
        ['g', 1],
      ]);
    });

    it('clears a conversation through an instant, keeping later messages and those still being sent; 0 clears all of it', async () => {
      await alice.saveMessages([incoming('U1', 1000), outgoing('c1', 1100), incoming('U2', 1200), incoming('U3', 1300), outgoing('c2', 1250), incoming('G1', 1000, { conversationType: GROUP, targetId: 'g' })]);
      await alice.markSent('c1', 'S1', 1100);
      await alice.removeMessages({ conversationType: PRIVATE, targetId: 'bob', through: 1200 });
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['uid:U3', 'c2']);
      expect((await alice.getConversations()).find((c) => c.targetId === 'bob')).toMatchObject({ unreadCount: 1, updatedAt: 1300 });
      await alice.removeMessages({ conversationType: PRIVATE, targetId: 'bob', through: 0 });
      expect(clientIds(await alice.getHistory(PRIVATE, 'bob', 0, 10))).toEqual(['c2']);
      expect(clientIds(await alice.pendingOutgoing())).toEqual(['c2']);
      expect((await alice.getConversations()).map((c) => [c.targetId, c.unreadCount])).toEqual([
        ['bob', 0],
        ['g', 1],
      ]);
      await alice.removeMessages({ conversationType: GROUP, targetId: 'g', through: 0 });
      expect((await alice.getConversations()).map((c) => c.targetId)).toEqual(['bob']);
    });
  });

  it('rewrites a stored message a change names, its conversation with it, and keeps it across reopen', async () => {
    await alice.saveMessages([incoming('U1', 1000), incoming('U2', 2000, { content: { content: 'vote' }, expansion: { a: '1' } })]);
    expect(await alice.getMessage('U2')).toMatchObject({ expansion: { a: '1' } });
    expect(await alice.updateMessage('U2', { content: { content: 'edited' }, modifiedTime: 2500, expansion: { b: '2' } })).toMatchObject({
      messageUId: 'U2',
      content: { content: 'edited' },
      modifiedTime: 2500,
      expansion: { b: '2' },
    });
    await alice.updateMessage('U1', { objectName: 'RC:RcNtf', content: { operatorId: 'bob' } });
    expect(await alice.updateMessage('NONE', { content: {} })).toBeUndefined();
    expect(await alice.getMessage('NONE')).toBeUndefined();
    expect((await alice.getConversations())[0]?.latestMessage).toMatchObject({ messageUId: 'U2', content: { content: 'edited' }, modifiedTime: 2500 });
    if (!backend.persistent) return;
    await alice.close();
    const again = await openUser('alice');
    expect((await again.getHistory(PRIVATE, 'bob', 0, 10)).map((m) => [m.objectName, m.content, m.modifiedTime, m.expansion])).toEqual([
      ['RC:TxtMsg', { content: 'edited' }, 2500, { b: '2' }],
      ['RC:RcNtf', { operatorId: 'bob' }, undefined, undefined],
    ]);
  });

  it('stops counting a recalled message as unread, once, and only one that counted', async () => {
    await alice.saveMessages([incoming('U1', 1000), incoming('U2', 2000), incoming('U3', 3000), outgoing('c1', 3500)]);
    await alice.markRead(PRIVATE, 'bob', 1000);
    const unread = async () => (await alice.getConversations())[0]?.unreadCount;
    expect(await unread()).toBe(2);
    const recalled = { objectName: 'RC:RcNtf', content: { operatorId: 'bob' } };
    await alice.updateMessage('U2', recalled);
    expect(await unread()).toBe(1);
    await alice.updateMessage('U2', recalled);
    await alice.updateMessage('U1', recalled);
    // An edit is no recall.
    await alice.updateMessage('U3', { content: { content: 'edited' }, modifiedTime: 3100 });
    expect(await unread()).toBe(1);
  });

  it('keeps the edit cursor apart from the sync cursor, from the first one set on', async () => {
    expect(await alice.getEditCursor()).toBeUndefined();
    await alice.setEditCursor(1_700_000_000_123);
    await alice.setEditCursor(1_700_000_000_000);
    expect(await alice.getEditCursor()).toBe(1_700_000_000_123);
    expect(await alice.getSyncCursor()).toBe(0);
    if (!backend.persistent) return;
    await alice.close();
    expect(await (await openUser('alice')).getEditCursor()).toBe(1_700_000_000_123);
  });

  it('keeps the sync cursor from moving backwards', async () => {
    expect(await alice.getSyncCursor()).toBe(0);
    await alice.setSyncCursor(1_700_000_000_123);
    await alice.setSyncCursor(1_700_000_000_000);
    expect(await alice.getSyncCursor()).toBe(1_700_000_000_123);
    await alice.setSyncCursor(1_700_000_000_124);
    expect(await alice.getSyncCursor()).toBe(1_700_000_000_124);
  });

  it('keeps conversation states apart from the list, each replacing its conversation’s, the version never moving back', async () => {
    expect(await alice.getConversationStates()).toEqual({ states: [], version: 0 });
    await alice.saveConversationStates([{ conversationType: PRIVATE, targetId: 'bob', isTop: true, notificationLevel: 0 }, { conversationType: GROUP, targetId: 'g1', isTop: false, notificationLevel: 5 }], 20);
    await alice.saveConversationStates([{ conversationType: PRIVATE, targetId: 'bob', isTop: false, notificationLevel: -1 }], 10);
    const byTarget = (states: { targetId: string }[]) => [...states].sort((a, b) => a.targetId.localeCompare(b.targetId));
    const expected = {
      states: [
        { conversationType: PRIVATE, targetId: 'bob', isTop: false, notificationLevel: -1 },
        { conversationType: GROUP, targetId: 'g1', isTop: false, notificationLevel: 5 },
      ],
      version: 20,
    };
    const read = async (store: UserStore) => {
      const { states, version } = await store.getConversationStates();
      return { states: byTarget(states), version };
    };
    expect(await read(alice)).toEqual(expected);
    // States need no conversation in the list.
    expect(await alice.getConversations()).toEqual([]);
    if (!backend.persistent) return;
    await alice.close();
    expect(await read(await openUser('alice'))).toEqual(expected);
  });

  it('removes a conversation from the list, keeping its messages, until the next message lists it again', async () => {
    await alice.saveMessages([incoming('U1', 1000), incoming('U2', 2000, { targetId: 'carol', senderUserId: 'carol' })]);
    await alice.removeConversation(PRIVATE, 'bob');
    expect((await alice.getConversations()).map((c) => c.targetId)).toEqual(['carol']);
    expect((await alice.getHistory(PRIVATE, 'bob', 0, 10)).map((m) => m.messageUId)).toEqual(['U1']);
    await alice.removeConversation(PRIVATE, 'nobody');
    await alice.saveMessages([incoming('U3', 3000)]);
    const [back] = await alice.getConversations();
    expect(back).toMatchObject({ targetId: 'bob', unreadCount: 1 });
    expect(back?.latestMessage.messageUId).toBe('U3');
  });

  it('round-trips the navigation cache', async () => {
    expect(await alice.getNavigation()).toBeUndefined();
    await alice.setNavigation({ servers: ['a.example:443', 'b.example:443'], expiresAt: 123_456 });
    await alice.setNavigation({ servers: ['c.example:8080'], expiresAt: 999_999 });
    expect(await alice.getNavigation()).toEqual({ servers: ['c.example:8080'], expiresAt: 999_999 });
  });

  describe('meta store', () => {
    it('maps a token to the userId remembered for it', async () => {
      const meta = await openMeta();
      expect(await meta.userIdForToken('token-1')).toBeUndefined();
      await meta.rememberToken('token-1', 'alice');
      await meta.rememberToken('token-2', 'bob');
      expect(await meta.userIdForToken('token-1')).toBe('alice');
      expect(await meta.userIdForToken('token-2')).toBe('bob');
      await meta.rememberToken('token-1', 'alice2');
      expect(await meta.userIdForToken('token-1')).toBe('alice2');
      expect(await meta.userIdForToken('token-3')).toBeUndefined();
    });

    it('without Web Crypto (plain-http pages) remembers nothing and does not fail', async () => {
      const meta = await openMeta();
      vi.stubGlobal('crypto', {});
      try {
        await meta.rememberToken('token-1', 'alice');
        expect(await meta.userIdForToken('token-1')).toBeUndefined();
      } finally {
        vi.unstubAllGlobals();
      }
      expect(await meta.userIdForToken('token-1')).toBeUndefined();
    });
  });

  it('keeps everything across close and reopen', async () => {
    await alice.saveMessages([
      incoming('U1', 1000, { content: { content: 'kept', nested: [1, { two: 2 }] } }),
      outgoing('c1', 2000),
      outgoing('c2', 2100),
      incoming('G1', 1500, { conversationType: GROUP, targetId: 'g1', senderUserId: 'carol' }),
    ]);
    await alice.markSent('c1', 'U2', 2050);
    await alice.markRead(GROUP, 'g1', 1500);
    await alice.setSyncCursor(42);
    await alice.setNavigation({ servers: ['nav.example:443'], expiresAt: 77 });
    const meta = await openMeta();
    await meta.rememberToken('token-1', 'alice');

    const snapshot = async (store: UserStore) => ({
      bob: await store.getHistory(PRIVATE, 'bob', 0, 10),
      g1: await store.getHistory(GROUP, 'g1', 0, 10),
      conversations: await store.getConversations(),
      pending: await store.pendingOutgoing(),
      cursor: await store.getSyncCursor(),
      navigation: await store.getNavigation(),
    });
    const before = await snapshot(alice);
    await alice.close();
    await meta.close();

    const reopened = await openUser('alice');
    expect(await snapshot(reopened)).toEqual(before);
    expect(before.bob).toHaveLength(3);
    expect(before.conversations.map((c) => c.unreadCount)).toEqual([1, 0]);
    expect(clientIds(before.pending)).toEqual(['c2']);
    expect(await (await openMeta()).userIdForToken('token-1')).toBe('alice');
    // A reopened store goes on deduplicating and counting where the old one stopped.
    expect(await reopened.saveMessages([incoming('U1', 1000), outgoing('c2', 2100)])).toEqual([]);
    await reopened.saveMessages([incoming('U3', 3000)]);
    expect((await reopened.getConversations())[0]).toMatchObject({ targetId: 'bob', unreadCount: 2, updatedAt: 3000 });
  });

  it('keeps users of one app, and one userId in two apps, apart', async () => {
    const bobOfApp1 = await openUser('bob');
    const aliceOfApp2 = await openUser('alice', 'app2key');
    await alice.saveMessages([incoming('U1', 1000), outgoing('c1', 1100)]);
    await alice.setSyncCursor(10);
    await alice.setNavigation({ servers: ['x:1'], expiresAt: 1 });
    const meta1 = await openMeta(APP);
    await meta1.rememberToken('token-1', 'alice');

    for (const other of [bobOfApp1, aliceOfApp2]) {
      expect(await other.getHistory(PRIVATE, 'bob', 0, 10)).toEqual([]);
      expect(await other.getConversations()).toEqual([]);
      expect(await other.pendingOutgoing()).toEqual([]);
      expect(await other.getSyncCursor()).toBe(0);
      expect(await other.getNavigation()).toBeUndefined();
      // Unseen there, so the same messages are new to them.
      expect(await other.saveMessages([incoming('U1', 1000)])).toHaveLength(1);
    }
    expect(await (await openMeta('app2key')).userIdForToken('token-1')).toBeUndefined();
    expect(await alice.getHistory(PRIVATE, 'bob', 0, 10)).toHaveLength(2);
  });

  it('rejects calls once closed; closing twice is harmless', async () => {
    const meta = await openMeta();
    await alice.close();
    await alice.close();
    await meta.close();
    await expect(alice.saveMessages([incoming('U1', 1)])).rejects.toBeInstanceOf(LocalStoreClosedError);
    await expect(alice.getHistory(PRIVATE, 'bob', 0, 10)).rejects.toBeInstanceOf(LocalStoreClosedError);
    await expect(alice.getSyncCursor()).rejects.toBeInstanceOf(LocalStoreClosedError);
    await expect(meta.userIdForToken('token-1')).rejects.toBeInstanceOf(LocalStoreClosedError);
  });
});
