/// <reference lib="dom" />
// The tests' tsconfig has no DOM lib: this browser-only file names the lib it is written against.
import {
  LocalStoreClosedError,
  LocalStoreOpenError,
  addsToUnread,
  isRecalledUnread,
  isRemoved,
  isStorableUserId,
  readStateAfter,
  tokenDigest,
  type LocalConversation,
  type LocalConversationState,
  type LocalMessage,
  type LocalMessageUpdate,
  type LocalStoreFactory,
  type MetaStore,
  type NavigationCache,
  type Removal,
  type ConversationReadState,
  type ServerUnread,
  type UserStore,
} from './local-store.js';

/**
 * Browsers: one IndexedDB database per user, `parley:<appKey>:<userId>` (unambiguous: a userId has
 * no `:`), and one per app for the MetaStore, `parley-meta:<appKey>`. The schema version is the
 * IndexedDB version. Standard IndexedDB API only, so the same code runs on fake-indexeddb in tests.
 */
export class IndexedDbLocalStoreFactory implements LocalStoreFactory {
  constructor(private readonly indexedDB: IDBFactory | undefined = defaultIndexedDb()) {}

  async openUser(appKey: string, userId: string): Promise<UserStore> {
    if (!isStorableUserId(userId)) {
      throw new LocalStoreOpenError(`userId ${JSON.stringify(userId)} cannot name a local database`);
    }
    return new IndexedDbUserStore(await this.open(`parley:${appKey}:${userId}`, USER_SCHEMA));
  }

  async openMeta(appKey: string): Promise<MetaStore> {
    return new IndexedDbMetaStore(await this.open(`parley-meta:${appKey}`, META_SCHEMA));
  }

  private open(name: string, schema: Schema): Promise<IDBDatabase> {
    const indexedDB = this.indexedDB;
    if (!indexedDB) return Promise.reject(new LocalStoreOpenError('IndexedDB is not available here'));
    return new Promise((resolve, reject) => {
      const fail = (cause: unknown) => {
        const reason = cause instanceof Error ? cause.message : String(cause);
        reject(new LocalStoreOpenError(`cannot open the local database ${name}: ${reason}`, { cause }));
      };
      let request: IDBOpenDBRequest;
      try {
        request = indexedDB.open(name, schema.length);
      } catch (error) {
        // Opaque origins and some privacy modes throw instead of failing the request.
        fail(error);
        return;
      }
      request.onupgradeneeded = (event) => {
        for (const upgrade of schema.slice(event.oldVersion)) upgrade(request.result);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => fail(request.error);
    });
  }
}

function defaultIndexedDb(): IDBFactory | undefined {
  try {
    return globalThis.indexedDB;
  } catch {
    // Sandboxed frames throw a SecurityError on the mere access.
    return undefined;
  }
}

/** Entry n upgrades a database from version n to n + 1. */
type Schema = readonly ((db: IDBDatabase) => void)[];

const MESSAGES = 'messages';
const CONVERSATIONS = 'conversations';
const STATE = 'state';
const TOKENS = 'tokens';
const CONVERSATION_STATES = 'conversationStates';

const USER_SCHEMA: Schema = [
  (db) => {
    // seq: save order, which breaks sentTime ties and orders the send queue.
    const messages = db.createObjectStore(MESSAGES, { keyPath: 'seq', autoIncrement: true });
    messages.createIndex('clientId', 'clientId', { unique: true });
    // Not unique: every unacked message has ''. saveMessages and markSent keep acked UIDs unique.
    messages.createIndex('messageUId', 'messageUId');
    // Entries with one key are ordered by primary key, so a reverse walk is newest first, seq breaking ties.
    messages.createIndex('conversationTime', ['conversationType', 'targetId', 'sentTime']);
    messages.createIndex('status', 'status');
    db.createObjectStore(CONVERSATIONS, { keyPath: ['conversationType', 'targetId'] });
    db.createObjectStore(STATE);
  },
  // Conversation states synced from the server, apart from the list (LocalConversationState).
  (db) => {
    db.createObjectStore(CONVERSATION_STATES, { keyPath: ['conversationType', 'targetId'] });
  },
];

const META_SCHEMA: Schema = [
  (db) => {
    // Keyed by the token's hex SHA-256: the token itself is never stored.
    db.createObjectStore(TOKENS);
  },
];

type MessageRecord = LocalMessage & { seq: number };

function withoutSeq({ seq: _seq, ...message }: MessageRecord): LocalMessage {
  return message;
}

interface ConversationRecord {
  conversationType: number;
  targetId: string;
  latestSeq: number;
  /** The sentTime of the latest message. */
  updatedAt: number;
  unreadCount: number;
  /** Absent from records stored before read state was kept: 0 then. */
  lastReadTime?: number;
  countedUpTo?: number;
}

const SYNC_CURSOR_KEY = 'syncCursor';
const EDIT_CURSOR_KEY = 'editCursor';
const NAVIGATION_KEY = 'navigation';
const CONVERSATION_STATE_VERSION_KEY = 'conversationStateVersion';

class IndexedDbUserStore implements UserStore {
  readonly persistent = true;
  private closed = false;

  constructor(private readonly db: IDBDatabase) {
    // Another tab wants a newer schema: step aside rather than block it.
    db.onversionchange = () => void this.close();
  }

  async saveMessages(messages: LocalMessage[]): Promise<LocalMessage[]> {
    if (messages.length === 0) return [];
    return this.transaction([MESSAGES, CONVERSATIONS], 'readwrite', async (tx) => {
      const store = tx.objectStore(MESSAGES);
      const conversations = tx.objectStore(CONVERSATIONS);
      const added: LocalMessage[] = [];
      for (const message of messages) {
        if (await isSeen(store, message)) continue;
        const seq = (await settle(store.add({ ...message }))) as number;
        const key = [message.conversationType, message.targetId];
        const conversation = (await settle(conversations.get(key))) as ConversationRecord | undefined;
        conversations.put(withMessage(conversation, message, seq));
        added.push(message);
      }
      return added;
    });
  }

  async markSent(clientId: string, messageUId: string, sentTime: number): Promise<void> {
    await this.transaction([MESSAGES, CONVERSATIONS], 'readwrite', async (tx) => {
      const store = tx.objectStore(MESSAGES);
      const seq = await settle(store.index('clientId').getKey(clientId));
      if (seq === undefined) return;
      if (messageUId !== '') {
        for (const copy of await settle(store.index('messageUId').getAllKeys(messageUId))) {
          if (copy !== seq) store.delete(copy);
        }
      }
      const record = (await settle(store.get(seq))) as MessageRecord;
      store.put({ ...record, messageUId, sentTime, status: 'sent' } satisfies MessageRecord);
      // The server's time may reorder the conversation, and the dropped copy may have been its latest.
      await refreshLatest(tx, record.conversationType, record.targetId);
    });
  }

  async getMessage(messageUId: string): Promise<LocalMessage | undefined> {
    return this.transaction([MESSAGES], 'readonly', async (tx) => {
      const record = (await settle(tx.objectStore(MESSAGES).index('messageUId').get(messageUId))) as MessageRecord | undefined;
      return record ? withoutSeq(record) : undefined;
    });
  }

  async updateMessage(messageUId: string, update: LocalMessageUpdate): Promise<LocalMessage | undefined> {
    if (messageUId === '') return undefined;
    return this.transaction([MESSAGES, CONVERSATIONS], 'readwrite', async (tx) => {
      const store = tx.objectStore(MESSAGES);
      const record = (await settle(store.index('messageUId').get(messageUId))) as MessageRecord | undefined;
      if (!record) return undefined;
      const conversations = tx.objectStore(CONVERSATIONS);
      const conversation = (await settle(conversations.get([record.conversationType, record.targetId]))) as ConversationRecord | undefined;
      if (conversation && isRecalledUnread(record, update, readOf(conversation))) conversations.put({ ...conversation, unreadCount: conversation.unreadCount - 1 });
      const updated = { ...record, ...update } satisfies MessageRecord;
      store.put(updated);
      return withoutSeq(updated);
    });
  }

  async removeMessages(removal: Removal): Promise<void> {
    await this.transaction([MESSAGES, CONVERSATIONS], 'readwrite', async (tx) => {
      const store = tx.objectStore(MESSAGES);
      const candidates =
        'messageUIds' in removal
          ? (await Promise.all(removal.messageUIds.map((uid) => settle(store.index('messageUId').getAll(uid))))).flat()
          : await settle(store.index('conversationTime').getAll(conversationTimeRange(removal.conversationType, removal.targetId, 0)));
      const doomed = (candidates as MessageRecord[]).filter((record) => isRemoved(record, removal));
      const conversations = tx.objectStore(CONVERSATIONS);
      const touched = new Map<string, ConversationRecord>();
      for (const record of doomed) {
        store.delete(record.seq);
        const key = JSON.stringify([record.conversationType, record.targetId]);
        const conversation = touched.get(key) ?? ((await settle(conversations.get([record.conversationType, record.targetId]))) as ConversationRecord | undefined);
        if (!conversation) continue;
        const read = readOf(conversation);
        touched.set(key, { ...conversation, unreadCount: read.unreadCount - (addsToUnread(record, read) ? 1 : 0) });
      }
      for (const conversation of touched.values()) {
        conversations.put(conversation);
        await refreshLatest(tx, conversation.conversationType, conversation.targetId);
      }
    });
  }

  async markFailed(clientId: string): Promise<void> {
    await this.transaction([MESSAGES], 'readwrite', async (tx) => {
      const store = tx.objectStore(MESSAGES);
      const seq = await settle(store.index('clientId').getKey(clientId));
      if (seq === undefined) return;
      const record = (await settle(store.get(seq))) as MessageRecord;
      if (record.status === 'sending') store.put({ ...record, status: 'failed' } satisfies MessageRecord);
    });
  }

  async getHistory(conversationType: number, targetId: string, before: number, count: number): Promise<LocalMessage[]> {
    return this.transaction([MESSAGES], 'readonly', async (tx) => {
      if (count <= 0) return [];
      const range = conversationTimeRange(conversationType, targetId, before);
      const cursor = tx.objectStore(MESSAGES).index('conversationTime').openCursor(range, 'prev');
      return (await collect<MessageRecord>(cursor, count)).map(toMessage);
    });
  }

  async getConversations(): Promise<LocalConversation[]> {
    return this.transaction([MESSAGES, CONVERSATIONS], 'readonly', async (tx) => {
      const records = (await settle(tx.objectStore(CONVERSATIONS).getAll())) as ConversationRecord[];
      const messages = tx.objectStore(MESSAGES);
      const latest = await Promise.all(
        records.map(async (record) => (await settle(messages.get(record.latestSeq))) as MessageRecord),
      );
      return records
        .map((record, index) => ({ record, latestMessage: toMessage(latest[index] as MessageRecord) }))
        .sort((a, b) => b.record.updatedAt - a.record.updatedAt || b.record.latestSeq - a.record.latestSeq)
        .map(({ record, latestMessage }) => ({
          conversationType: record.conversationType,
          targetId: record.targetId,
          latestMessage,
          updatedAt: record.updatedAt,
          ...readOf(record),
        }));
    });
  }

  async markRead(conversationType: number, targetId: string, readTime: number, server?: ServerUnread): Promise<void> {
    await this.transaction([MESSAGES, CONVERSATIONS], 'readwrite', async (tx) => {
      const conversations = tx.objectStore(CONVERSATIONS);
      const record = (await settle(conversations.get([conversationType, targetId]))) as ConversationRecord | undefined;
      if (!record) return;
      const range = conversationTimeRange(conversationType, targetId, 0);
      const stored = (await settle(tx.objectStore(MESSAGES).index('conversationTime').getAll(range))) as MessageRecord[];
      conversations.put({ ...record, ...readStateAfter(readOf(record), readTime, server, stored) } satisfies ConversationRecord);
    });
  }

  async pendingOutgoing(): Promise<LocalMessage[]> {
    return this.transaction([MESSAGES], 'readonly', async (tx) => {
      // An index's entries with one key come in primary-key order: save order.
      const records = (await settle(tx.objectStore(MESSAGES).index('status').getAll('sending'))) as MessageRecord[];
      return records.map(toMessage);
    });
  }

  async getSyncCursor(): Promise<number> {
    return this.transaction([STATE], 'readonly', async (tx) => {
      return ((await settle(tx.objectStore(STATE).get(SYNC_CURSOR_KEY))) as number | undefined) ?? 0;
    });
  }

  async setSyncCursor(cursor: number): Promise<void> {
    await this.transaction([STATE], 'readwrite', async (tx) => {
      const store = tx.objectStore(STATE);
      const stored = ((await settle(store.get(SYNC_CURSOR_KEY))) as number | undefined) ?? 0;
      if (cursor > stored) store.put(cursor, SYNC_CURSOR_KEY);
    });
  }

  async getEditCursor(): Promise<number | undefined> {
    return this.transaction([STATE], 'readonly', async (tx) => {
      return (await settle(tx.objectStore(STATE).get(EDIT_CURSOR_KEY))) as number | undefined;
    });
  }

  async setEditCursor(cursor: number): Promise<void> {
    await this.transaction([STATE], 'readwrite', async (tx) => {
      const store = tx.objectStore(STATE);
      const stored = (await settle(store.get(EDIT_CURSOR_KEY))) as number | undefined;
      if (stored === undefined || cursor > stored) store.put(cursor, EDIT_CURSOR_KEY);
    });
  }

  async getNavigation(): Promise<NavigationCache | undefined> {
    return this.transaction([STATE], 'readonly', async (tx) => {
      return (await settle(tx.objectStore(STATE).get(NAVIGATION_KEY))) as NavigationCache | undefined;
    });
  }

  async setNavigation(value: NavigationCache): Promise<void> {
    await this.transaction([STATE], 'readwrite', async (tx) => {
      tx.objectStore(STATE).put({ servers: value.servers, expiresAt: value.expiresAt }, NAVIGATION_KEY);
    });
  }

  async getConversationStates(): Promise<{ states: LocalConversationState[]; version: number }> {
    return this.transaction([CONVERSATION_STATES, STATE], 'readonly', async (tx) => {
      const states = (await settle(tx.objectStore(CONVERSATION_STATES).getAll())) as LocalConversationState[];
      const version = ((await settle(tx.objectStore(STATE).get(CONVERSATION_STATE_VERSION_KEY))) as number | undefined) ?? 0;
      return { states, version };
    });
  }

  async saveConversationStates(states: LocalConversationState[], version: number): Promise<void> {
    await this.transaction([CONVERSATION_STATES, STATE], 'readwrite', async (tx) => {
      const store = tx.objectStore(CONVERSATION_STATES);
      for (const { conversationType, targetId, isTop, notificationLevel } of states) store.put({ conversationType, targetId, isTop, notificationLevel });
      const stored = ((await settle(tx.objectStore(STATE).get(CONVERSATION_STATE_VERSION_KEY))) as number | undefined) ?? 0;
      if (version > stored) tx.objectStore(STATE).put(version, CONVERSATION_STATE_VERSION_KEY);
    });
  }

  async removeConversation(conversationType: number, targetId: string): Promise<void> {
    await this.transaction([CONVERSATIONS], 'readwrite', async (tx) => {
      tx.objectStore(CONVERSATIONS).delete([conversationType, targetId]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.db.close();
  }

  private transaction<T>(
    storeNames: string[],
    mode: IDBTransactionMode,
    work: (tx: IDBTransaction) => Promise<T>,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new LocalStoreClosedError());
    return inTransaction(this.db, storeNames, mode, work);
  }
}

class IndexedDbMetaStore implements MetaStore {
  private closed = false;

  constructor(private readonly db: IDBDatabase) {
    // Another tab wants a newer schema: step aside rather than block it.
    db.onversionchange = () => void this.close();
  }

  async userIdForToken(token: string): Promise<string | undefined> {
    const digest = await tokenDigest(token);
    this.assertOpen();
    if (digest === undefined) return undefined;
    return inTransaction(this.db, [TOKENS], 'readonly', async (tx) => {
      return (await settle(tx.objectStore(TOKENS).get(digest))) as string | undefined;
    });
  }

  async rememberToken(token: string, userId: string): Promise<void> {
    const digest = await tokenDigest(token);
    this.assertOpen();
    if (digest === undefined) return;
    await inTransaction(this.db, [TOKENS], 'readwrite', async (tx) => {
      tx.objectStore(TOKENS).put(userId, digest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new LocalStoreClosedError();
  }
}

/** Seen before: its clientId is stored, or its messageUId (once it has one). */
async function isSeen(store: IDBObjectStore, message: LocalMessage): Promise<boolean> {
  if ((await settle(store.index('clientId').getKey(message.clientId))) !== undefined) return true;
  if (message.messageUId === '') return false;
  return (await settle(store.index('messageUId').getKey(message.messageUId))) !== undefined;
}

/** The conversation after saving `message` as `seq`: an older message arriving late does not become the latest. */
function withMessage(conversation: ConversationRecord | undefined, message: LocalMessage, seq: number): ConversationRecord {
  if (!conversation) {
    const { conversationType, targetId, sentTime } = message;
    const read = { lastReadTime: 0, countedUpTo: 0 };
    return { conversationType, targetId, latestSeq: seq, updatedAt: sentTime, unreadCount: addsToUnread(message, read) ? 1 : 0, ...read };
  }
  const isLatest = message.sentTime >= conversation.updatedAt;
  const read = readOf(conversation);
  return {
    ...conversation,
    latestSeq: isLatest ? seq : conversation.latestSeq,
    updatedAt: isLatest ? message.sentTime : conversation.updatedAt,
    unreadCount: read.unreadCount + (addsToUnread(message, read) ? 1 : 0),
  };
}

function readOf(record: ConversationRecord): ConversationReadState {
  return { unreadCount: record.unreadCount, lastReadTime: record.lastReadTime ?? 0, countedUpTo: record.countedUpTo ?? 0 };
}

/** Points the conversation at its newest message, or removes it when none is left. */
async function refreshLatest(tx: IDBTransaction, conversationType: number, targetId: string): Promise<void> {
  const conversations = tx.objectStore(CONVERSATIONS);
  const conversation = (await settle(conversations.get([conversationType, targetId]))) as ConversationRecord | undefined;
  const range = conversationTimeRange(conversationType, targetId, 0);
  const cursor = tx.objectStore(MESSAGES).index('conversationTime').openCursor(range, 'prev');
  const [newest] = await collect<MessageRecord>(cursor, 1);
  if (!conversation) return;
  if (newest) conversations.put({ ...conversation, latestSeq: newest.seq, updatedAt: newest.sentTime } satisfies ConversationRecord);
  else conversations.delete([conversationType, targetId]);
}

/** One conversation's entries of the conversationTime index with sentTime < before (0: all of them). */
function conversationTimeRange(conversationType: number, targetId: string, before: number): IDBKeyRange {
  const lower = [conversationType, targetId, -Infinity];
  if (before === 0) return IDBKeyRange.bound(lower, [conversationType, targetId, Infinity]);
  return IDBKeyRange.bound(lower, [conversationType, targetId, before], false, true);
}

function toMessage(record: MessageRecord): LocalMessage {
  const { seq: _seq, ...message } = record;
  return message;
}

/**
 * Runs `work` in one transaction and resolves once the transaction has committed. `work` may await
 * only requests of this transaction: awaiting anything else lets it auto-commit midway.
 */
async function inTransaction<T>(
  db: IDBDatabase,
  storeNames: string[],
  mode: IDBTransactionMode,
  work: (tx: IDBTransaction) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(storeNames, mode);
  const committed = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('the local database transaction was aborted'));
  });
  // Awaited below; this keeps an abort that happens while `work` runs from counting as unhandled.
  committed.catch(() => undefined);
  try {
    const result = await work(tx);
    await committed;
    return result;
  } catch (error) {
    abortQuietly(tx);
    throw error;
  }
}

function abortQuietly(tx: IDBTransaction): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted: nothing left to undo.
  }
}

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The values of up to `limit` cursor steps, in cursor order. */
function collect<T>(request: IDBRequest<IDBCursorWithValue | null>, limit: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const values: T[] = [];
    request.onsuccess = () => {
      const cursor = request.result;
      if (cursor) values.push(cursor.value as T);
      if (!cursor || values.length >= limit) resolve(values);
      else cursor.continue();
    };
    request.onerror = () => reject(request.error);
  });
}
