import { AckStatus, ConversationType, isValidUserId, MAX_MESSAGE_CONTENT_BYTES, MessageDirection, USER_ID_MAX_LENGTH } from '@parley/protocol';
import type { Bus } from '../../bus/bus.js';
import type { AppendedMessage, InboxEntry, NewMessage, Store, StoredConversationType, StoredMessage } from '../../store/store.js';
import { conversationKey } from './conversation-key.js';
import { groupHistoryAccess } from './history-access.js';
import { newMessageUid } from './message-uid.js';
import { PAGE_CONTENT_BUDGET_BYTES, pageBytesOf, prefixWithin } from './page-budget.js';
import { WriteBatcher } from './write-batcher.js';

export interface SendRequest {
  appKey: string;
  senderId: string;
  conversationType: StoredConversationType;
  /** The peer, the group, or (system) the recipient. */
  targetId: string;
  objectName: string;
  content: string;
  flags: number;
  /** The client's idempotency id: a retried send with the same id is stored once. */
  clientUniqueId?: string;
  /** The sending device, which needs no notice of its own message. */
  senderSessionId?: string;
  /** Server API sends skip the sender's rate limit and group membership. */
  fromServer?: boolean;
}

/** A request the service turns down: `status` is the protocol's answer. */
export interface Refusal {
  ok: false;
  status: number;
  reason: string;
}

export type SendResult = { ok: true; message: StoredMessage; duplicate: boolean } | Refusal;

export type HistoryResult = { ok: true; messages: StoredMessage[] } | Refusal;

export interface MessagingOptions {
  /** Sends per second one user may make from clients (a burst of twice that). */
  sendsPerUserPerSecond: number;
}

const MAX_OBJECT_NAME_BYTES = 64;
/** Past this many remembered recipients the memory starts over; a miss costs one lookup. */
const MAX_KNOWN_RECIPIENTS = 100_000;

/**
 * Where a message becomes durable: validate, store the message with every inbox entry in one
 * transaction (batched with concurrent sends), then tell the recipients' devices to pull. A send
 * resolves only after its transaction commits, so an ack always means stored.
 */
export class MessageService {
  private readonly writer: WriteBatcher<NewMessage, AppendedMessage>;
  /** Recipients seen to exist. Users are never deleted, so a user once found stays valid. */
  private readonly knownRecipients = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly now: () => number,
    private readonly options: MessagingOptions,
  ) {
    this.writer = new WriteBatcher((batch) => store.messages.append(batch));
  }

  async send(request: SendRequest): Promise<SendResult> {
    const problem = this.checkShape(request);
    if (problem) return problem;
    if (!request.fromServer) {
      const rate = this.options.sendsPerUserPerSecond;
      if (!(await this.bus.takeToken(`send:${request.appKey}:${request.senderId}`, rate, rate * 2))) {
        return refuse(AckStatus.SEND_FREQUENCY_TOO_FAST, 'sending too fast');
      }
    }
    const recipients = await this.recipientsOf(request);
    if (!Array.isArray(recipients)) return recipients;

    const message: NewMessage = {
      appKey: request.appKey,
      uid: newMessageUid(),
      conversationType: request.conversationType,
      targetId: request.targetId,
      // A system conversation belongs to its recipient: that is whose history it is.
      conversationKey:
        request.conversationType === ConversationType.SYSTEM
          ? conversationKey(ConversationType.SYSTEM, request.targetId, request.senderId)
          : conversationKey(request.conversationType, request.senderId, request.targetId),
      senderId: request.senderId,
      objectName: request.objectName,
      content: request.content,
      sentTime: this.now(),
      flags: request.flags,
      clientUniqueId: request.clientUniqueId,
      recipients,
      senderCopy: request.conversationType !== ConversationType.SYSTEM,
    };
    const appended = await this.writer.write(message);
    if (appended.cursors.length > 0) {
      // The message is stored: a lost notice only delays delivery until the recipient's next pull
      // (at reconnect at the latest), so a bus failure must not fail the send.
      await this.bus
        .publish({ kind: 'inbox', appKey: request.appKey, notices: appended.cursors, exceptSessionId: request.senderSessionId })
        .catch(() => undefined);
    }
    return { ok: true, message: appended.message, duplicate: appended.duplicate };
  }

  /**
   * The user's inbox after `afterCursor`: at most `limit` entries and about a page's worth of bytes
   * (page-budget.ts); `includeSent` adds the user's own messages (other devices).
   */
  async pull(appKey: string, userId: string, afterCursor: number, limit: number, includeSent: boolean): Promise<{ entries: InboxEntry[]; cursor: number; finished: boolean }> {
    const read = await this.store.messages.pullInbox(appKey, userId, afterCursor, limit);
    const entries = prefixWithin(read, (e) => pageBytesOf(e.message), PAGE_CONTENT_BUDGET_BYTES);
    const cursor = entries.at(-1)?.cursor ?? afterCursor;
    return {
      entries: includeSent ? entries : entries.filter((e) => e.direction === MessageDirection.RECEIVE),
      cursor,
      finished: read.length < limit && entries.length === read.length,
    };
  }

  /**
   * A page of a conversation's history (see MessageRepository.history). Private and system keys
   * already name a conversation of the caller; a group's is read only as history-access.ts allows.
   */
  async history(appKey: string, userId: string, type: StoredConversationType, targetId: string, time: number, older: boolean, limit: number): Promise<HistoryResult> {
    const key = conversationKey(type, userId, targetId);
    if (type !== ConversationType.GROUP) return { ok: true, messages: await this.store.messages.history(appKey, key, time, older, limit) };
    const access = groupHistoryAccess(await this.store.groups.periods(appKey, targetId, userId), { time, older });
    if (!access.allowed) return refuse(AckStatus.NOT_IN_GROUP, `not a member of group ${targetId}`);
    // Windows come in page order and do not overlap, so filling the page window by window keeps it
    // ordered. There are at most MEMBERSHIP_PERIODS_KEPT of them.
    const messages: StoredMessage[] = [];
    for (const window of access.windows) {
      if (messages.length >= limit) break;
      messages.push(...(await this.store.messages.history(appKey, key, time, older, limit - messages.length, window)));
    }
    return { ok: true, messages };
  }

  conversations(appKey: string, userId: string, before: number, limit: number) {
    return this.store.messages.conversations(appKey, userId, before, limit);
  }

  /** Resolves once every accepted send is committed (graceful shutdown). */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  private checkShape(request: SendRequest): SendResult | undefined {
    if (Buffer.byteLength(request.content) > MAX_MESSAGE_CONTENT_BYTES) {
      return refuse(AckStatus.MESSAGE_SIZE_EXCEEDED, `content over ${MAX_MESSAGE_CONTENT_BYTES} bytes`);
    }
    // PostgreSQL text cannot hold NUL, and no JSON content needs a raw one.
    if (request.content.includes('\u0000') || request.objectName.includes('\u0000')) return refuse(AckStatus.PARAMETER_INVALID, 'NUL characters are not allowed');
    const nameBytes = Buffer.byteLength(request.objectName);
    if (nameBytes === 0 || nameBytes > MAX_OBJECT_NAME_BYTES) return refuse(AckStatus.PARAMETER_INVALID, 'objectName must be 1-64 bytes');
    if (request.targetId.length === 0 || request.targetId.length > USER_ID_MAX_LENGTH) {
      return refuse(AckStatus.PARAMETER_INVALID, `targetId must be 1-${USER_ID_MAX_LENGTH} characters`);
    }
    if (request.clientUniqueId !== undefined && request.clientUniqueId.length > 64) {
      return refuse(AckStatus.PARAMETER_INVALID, 'clientUniqueId too long');
    }
    return undefined;
  }

  private async recipientsOf(request: SendRequest): Promise<string[] | SendResult> {
    const { appKey, senderId, targetId } = request;
    if (request.conversationType === ConversationType.GROUP) {
      const members = await this.store.groups.members(appKey, targetId);
      if (!request.fromServer && !members.includes(senderId)) return refuse(AckStatus.NOT_IN_GROUP, `not a member of group ${targetId}`);
      if (members.length === 0) return refuse(AckStatus.PARAMETER_INVALID, `no group ${targetId}`);
      return members.filter((m) => m !== senderId);
    }
    if (!isValidUserId(targetId) || targetId === senderId) return refuse(AckStatus.PARAMETER_INVALID, 'invalid recipient');
    const key = `${appKey}\n${targetId}`;
    if (!this.knownRecipients.has(key)) {
      if (!(await this.store.users.get(appKey, targetId))) return refuse(AckStatus.PARAMETER_INVALID, `no user ${targetId}`);
      if (this.knownRecipients.size >= MAX_KNOWN_RECIPIENTS) this.knownRecipients.clear();
      this.knownRecipients.add(key);
    }
    return [targetId];
  }
}

function refuse(status: number, reason: string): Refusal {
  return { ok: false, status, reason };
}
