import { MessageDirection } from '@parley/protocol';
import {
  LocalStoreClosedError,
  tokenDigest,
  type LocalConversation,
  type LocalMessage,
  type LocalStoreFactory,
  type MetaStore,
  type NavigationCache,
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
}

class UserData {
  nextSeq = 1;
  readonly byClientId = new Map<string, StoredMessage>();
  readonly byMessageUId = new Map<string, StoredMessage>();
  readonly conversations = new Map<string, ConversationState>();
  syncCursor = 0;
  navigation: NavigationCache | undefined;
}

class MemoryUserStore implements UserStore {
  readonly persistent = false;
  private closed = false;

  constructor(private readonly data: UserData) {}

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
      }));
  }

  async clearUnread(conversationType: number, targetId: string): Promise<void> {
    const conversation = this.open().conversations.get(conversationKey(conversationType, targetId));
    if (conversation) conversation.unreadCount = 0;
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

  async getNavigation(): Promise<NavigationCache | undefined> {
    const navigation = this.open().navigation;
    return navigation && structuredClone(navigation);
  }

  async setNavigation(value: NavigationCache): Promise<void> {
    this.open().navigation = structuredClone(value);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): UserData {
    if (this.closed) throw new LocalStoreClosedError();
    return this.data;
  }

  private addToConversation(stored: StoredMessage): void {
    const { conversationType, targetId, direction } = stored.message;
    const key = conversationKey(conversationType, targetId);
    const unread = direction === MessageDirection.RECEIVE ? 1 : 0;
    const conversation = this.data.conversations.get(key);
    if (!conversation) {
      this.data.conversations.set(key, { conversationType, targetId, latest: stored, unreadCount: unread });
      return;
    }
    if (isLater(stored, conversation.latest)) conversation.latest = stored;
    conversation.unreadCount += unread;
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
