import {
  addsToUnread,
  isRecalledUnread,
  isRemoved,
  LocalStoreClosedError,
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
  type ServerUnread,
  type UserStore,
} from './local-store.js';

/**
 * The fallback when no database can open: same contract, nothing outlives the process. The factory
 * keeps each user's data for its own lifetime, so a disconnect and a reconnect in the same process
 * still find the history and the sync cursor. Browser-safe.
 */
export class MemoryLocalStoreFactory implements LocalStoreFactory {
  private readonly users = new Map<string, Map<string, UserData>>();
  private readonly tokens = new Map<string, Map<string, string>>();

  async openUser(appKey: string, userId: string): Promise<UserStore> {
    const ofApp = getOrCreate(this.users, appKey, () => new Map<string, UserData>());
    return new MemoryUserStore(getOrCreate(ofApp, userId, () => new UserData()));
  }

  async openMeta(appKey: string): Promise<MetaStore> {
    return new MemoryMetaStore(getOrCreate(this.tokens, appKey, () => new Map<string, string>()));
  }
}

interface StoredMessage {
  /** Save order: breaks sentTime ties and orders the send queue. */
  readonly seq: number;
  message: LocalMessage;
}

interface ConversationState {
  readonly conversationType: number;
  readonly targetId: string;
  latest: StoredMessage;
  unreadCount: number;
  lastReadTime: number;
  countedUpTo: number;
}

class UserData {
  nextSeq = 1;
  readonly byClientId = new Map<string, StoredMessage>();
  readonly byMessageUId = new Map<string, StoredMessage>();
  readonly conversations = new Map<string, ConversationState>();
  syncCursor = 0;
  editCursor: number | undefined;
  navigation: NavigationCache | undefined;
  readonly conversationStates = new Map<string, LocalConversationState>();
  conversationStateVersion = 0;
}

class MemoryUserStore implements UserStore {
  readonly persistent = false;
  private closed = false;

  constructor(private readonly data: UserData) {}

  async getMessage(messageUId: string): Promise<LocalMessage | undefined> {
    return this.open().byMessageUId.get(messageUId)?.message;
  }

  async updateMessage(messageUId: string, update: LocalMessageUpdate): Promise<LocalMessage | undefined> {
    const data = this.open();
    const stored = data.byMessageUId.get(messageUId);
    if (!stored) return undefined;
    const conversation = data.conversations.get(conversationKey(stored.message.conversationType, stored.message.targetId));
    if (conversation && isRecalledUnread(stored.message, update, conversation)) conversation.unreadCount--;
    stored.message = { ...stored.message, ...update };
    return stored.message;
  }

  async saveMessages(messages: LocalMessage[]): Promise<LocalMessage[]> {
    const data = this.open();
    const added: LocalMessage[] = [];
    for (const message of messages) {
      if (data.byClientId.has(message.clientId)) continue;
      if (message.messageUId !== '' && data.byMessageUId.has(message.messageUId)) continue;
      // A copy, so the caller mutating its object later cannot rewrite history (as with a database).
      const stored: StoredMessage = { seq: data.nextSeq++, message: structuredClone(message) };
      data.byClientId.set(message.clientId, stored);
      if (message.messageUId !== '') data.byMessageUId.set(message.messageUId, stored);
      this.addToConversation(stored);
      added.push(message);
    }
    return added;
  }

  async markSent(clientId: string, messageUId: string, sentTime: number): Promise<void> {
    const data = this.open();
    const stored = data.byClientId.get(clientId);
    if (!stored) return;
    if (stored.message.messageUId !== '') data.byMessageUId.delete(stored.message.messageUId);
    if (messageUId !== '') {
      const copy = data.byMessageUId.get(messageUId);
      if (copy && copy !== stored) data.byClientId.delete(copy.message.clientId);
      data.byMessageUId.set(messageUId, stored);
    }
    stored.message = { ...stored.message, messageUId, sentTime, status: 'sent' };
    // The server's time may reorder the conversation, and the dropped copy may have been its latest.
    this.refreshLatest(stored.message.conversationType, stored.message.targetId);
  }

  async removeMessages(removal: Removal): Promise<void> {
    const data = this.open();
    const touched = new Map<string, ConversationState>();
    for (const stored of [...data.byClientId.values()]) {
      if (!isRemoved(stored.message, removal)) continue;
      data.byClientId.delete(stored.message.clientId);
      if (stored.message.messageUId !== '') data.byMessageUId.delete(stored.message.messageUId);
      const key = conversationKey(stored.message.conversationType, stored.message.targetId);
      const conversation = data.conversations.get(key);
      if (!conversation) continue;
      if (addsToUnread(stored.message, conversation)) conversation.unreadCount--;
      touched.set(key, conversation);
    }
    for (const [key, { conversationType, targetId }] of touched) {
      if (this.messagesOf(conversationType, targetId).length === 0) data.conversations.delete(key);
      else this.refreshLatest(conversationType, targetId);
    }
  }

  async markFailed(clientId: string): Promise<void> {
    const stored = this.open().byClientId.get(clientId);
    if (stored?.message.status === 'sending') stored.message = { ...stored.message, status: 'failed' };
  }

  async getHistory(conversationType: number, targetId: string, before: number, count: number): Promise<LocalMessage[]> {
    return this.messagesOf(conversationType, targetId)
      .filter((stored) => before === 0 || stored.message.sentTime < before)
      .sort((a, b) => (isLater(a, b) ? -1 : 1))
      .slice(0, Math.max(0, count))
      .map((stored) => structuredClone(stored.message));
  }

  async getConversations(): Promise<LocalConversation[]> {
    return [...this.open().conversations.values()]
      .sort((a, b) => (isLater(a.latest, b.latest) ? -1 : 1))
      .map((conversation) => ({
        conversationType: conversation.conversationType,
        targetId: conversation.targetId,
        latestMessage: structuredClone(conversation.latest.message),
        updatedAt: conversation.latest.message.sentTime,
        unreadCount: conversation.unreadCount,
        lastReadTime: conversation.lastReadTime,
        countedUpTo: conversation.countedUpTo,
      }));
  }

  async markRead(conversationType: number, targetId: string, readTime: number, server?: ServerUnread): Promise<void> {
    const conversation = this.open().conversations.get(conversationKey(conversationType, targetId));
    if (!conversation) return;
    const stored = this.messagesOf(conversationType, targetId).map((s) => s.message);
    Object.assign(conversation, readStateAfter(conversation, readTime, server, stored));
  }

  async pendingOutgoing(): Promise<LocalMessage[]> {
    return [...this.open().byClientId.values()]
      .filter((stored) => stored.message.status === 'sending')
      .sort((a, b) => a.seq - b.seq)
      .map((stored) => structuredClone(stored.message));
  }

  async getSyncCursor(): Promise<number> {
    return this.open().syncCursor;
  }

  async setSyncCursor(cursor: number): Promise<void> {
    const data = this.open();
    data.syncCursor = Math.max(data.syncCursor, cursor);
  }

  async getEditCursor(): Promise<number | undefined> {
    return this.open().editCursor;
  }

  async setEditCursor(cursor: number): Promise<void> {
    const data = this.open();
    data.editCursor = Math.max(data.editCursor ?? cursor, cursor);
  }

  async getNavigation(): Promise<NavigationCache | undefined> {
    const navigation = this.open().navigation;
    return navigation && structuredClone(navigation);
  }

  async setNavigation(value: NavigationCache): Promise<void> {
    this.open().navigation = structuredClone(value);
  }

  async getConversationStates(): Promise<{ states: LocalConversationState[]; version: number }> {
    const data = this.open();
    return { states: [...data.conversationStates.values()].map((s) => ({ ...s })), version: data.conversationStateVersion };
  }

  async saveConversationStates(states: LocalConversationState[], version: number): Promise<void> {
    const data = this.open();
    for (const { conversationType, targetId, isTop, notificationLevel } of states) {
      data.conversationStates.set(conversationKey(conversationType, targetId), { conversationType, targetId, isTop, notificationLevel });
    }
    data.conversationStateVersion = Math.max(data.conversationStateVersion, version);
  }

  async removeConversation(conversationType: number, targetId: string): Promise<void> {
    this.open().conversations.delete(conversationKey(conversationType, targetId));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): UserData {
    if (this.closed) throw new LocalStoreClosedError();
    return this.data;
  }

  private addToConversation(stored: StoredMessage): void {
    const { conversationType, targetId } = stored.message;
    const key = conversationKey(conversationType, targetId);
    const conversation = this.data.conversations.get(key);
    if (!conversation) {
      const read = { lastReadTime: 0, countedUpTo: 0 };
      this.data.conversations.set(key, { conversationType, targetId, latest: stored, unreadCount: addsToUnread(stored.message, read) ? 1 : 0, ...read });
      return;
    }
    if (isLater(stored, conversation.latest)) conversation.latest = stored;
    if (addsToUnread(stored.message, conversation)) conversation.unreadCount++;
  }

  private refreshLatest(conversationType: number, targetId: string): void {
    const conversation = this.data.conversations.get(conversationKey(conversationType, targetId));
    if (!conversation) return;
    conversation.latest = this.messagesOf(conversationType, targetId).reduce((latest, stored) =>
      isLater(stored, latest) ? stored : latest,
    );
  }

  private messagesOf(conversationType: number, targetId: string): StoredMessage[] {
    return [...this.open().byClientId.values()].filter(
      (stored) => stored.message.conversationType === conversationType && stored.message.targetId === targetId,
    );
  }
}

class MemoryMetaStore implements MetaStore {
  private closed = false;

  /** userIds by token digest. */
  constructor(private readonly userIds: Map<string, string>) {}

  async userIdForToken(token: string): Promise<string | undefined> {
    const digest = await tokenDigest(token);
    this.assertOpen();
    return digest === undefined ? undefined : this.userIds.get(digest);
  }

  async rememberToken(token: string, userId: string): Promise<void> {
    const digest = await tokenDigest(token);
    this.assertOpen();
    if (digest !== undefined) this.userIds.set(digest, userId);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new LocalStoreClosedError();
  }
}

/** Later by sentTime, then by save order: the order of history and of the conversation list. */
function isLater(a: StoredMessage, b: StoredMessage): boolean {
  return a.message.sentTime !== b.message.sentTime ? a.message.sentTime > b.message.sentTime : a.seq > b.seq;
}

function conversationKey(conversationType: number, targetId: string): string {
  return `${conversationType}:${targetId}`;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
