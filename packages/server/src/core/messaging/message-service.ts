import {
  AckStatus,
  ChangeMessageType,
  ConversationType,
  isValidUserId,
  MAX_DIRECTED_USER_IDS,
  MAX_MESSAGE_CONTENT_BYTES,
  MessageDirection,
  MessageFlag,
  parseReadStatusSync,
  ReadStateMessageType,
  STATE_ONLY_MESSAGE_TYPES,
  USER_ID_MAX_LENGTH,
} from '@parley/protocol';
import type { Bus } from '../../bus/bus.js';
import type { AppendedMessage, ChangeOutcome, InboxEntry, NewMessage, Store, StoredConversationType, StoredMessage } from '../../store/store.js';
import { conversationKey } from './conversation-key.js';
import { groupHistoryAccess } from './history-access.js';
import { newMessageUid } from './message-uid.js';
import { PAGE_CONTENT_BUDGET_BYTES, pageBytesOf, prefixWithin } from './page-budget.js';
import type { ReadStateService } from './read-state.js';
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
  /** A directed group message: the only members it goes to (and is kept for), besides its sender. */
  toUserIds?: string[];
  /** The expansion it is sent with, checked (message-changes.ts). */
  expansion?: string;
  /** A change it makes to an earlier message (message-changes.ts): it is stored only if that applies. */
  change?: NewMessage['change'];
}

/** A request the service turns down: `status` is the protocol's answer. */
export interface Refusal {
  ok: false;
  status: number;
  reason: string;
}

export type SendResult = { ok: true; message: StoredMessage; duplicate: boolean; change?: ChangeOutcome } | Refusal;

export type HistoryResult = { ok: true; messages: StoredMessage[] } | Refusal;

export interface MessagingOptions {
  /** Sends per second one user may make from clients (a burst of twice that). */
  sendsPerUserPerSecond: number;
}

/** A status message (typing and the like) sent live, never stored: to the peer, or to the group's other members. */
export interface StatusRequest extends Pick<SendRequest, 'appKey' | 'senderId' | 'conversationType' | 'targetId' | 'objectName' | 'content' | 'flags' | 'toUserIds' | 'senderSessionId' | 'fromServer'> {
  /** The sender's own online devices get it too (the Server API's isIncludeSender). */
  includeSender?: boolean;
}

/** A message the server sends in a user's name to `recipients` alone (read counts): no checks, no copy for the user's own devices. */
export type DeliverRequest = Pick<SendRequest, 'appKey' | 'senderId' | 'conversationType' | 'targetId' | 'objectName' | 'content'> & { recipients: string[] };

/**
 * Status messages per second one user may send from clients (a burst of twice that), apart from
 * the send rate: typing floods never take from the budget of messages. The SDKs send a typing
 * status at most every few seconds per conversation.
 */
export const STATUS_MESSAGES_PER_USER_PER_SECOND = 10;

/** Who a message goes to, and what else it does. */
interface Route {
  recipients: string[];
  toUserIds?: string[];
  /** A read position the sender moves with it (`RC:SRSMsg`). */
  readUpTo?: number;
}

const MAX_OBJECT_NAME_BYTES = 64;
/** Past this many remembered recipients the memory starts over; a miss costs one lookup. */
const MAX_KNOWN_RECIPIENTS = 100_000;
/**
 * Batches a store may be writing at once (WriteBatcher): PostgreSQL overlaps them, each on a pooled
 * connection of its own; the SQLite writer takes them one at a time.
 */
const WRITES_IN_FLIGHT = 3;

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
    private readonly readState: ReadStateService,
  ) {
    this.writer = new WriteBatcher((batch, ordered) => store.messages.append(batch, ordered), undefined, WRITES_IN_FLIGHT);
  }

  async send(request: SendRequest): Promise<SendResult> {
    const problem = this.checkShape(request);
    if (problem) return problem;
    if (!request.fromServer && !(await this.withinSendRate(request.appKey, request.senderId))) return refuse(AckStatus.SEND_FREQUENCY_TOO_FAST, 'sending too fast');
    const route = await this.routeOf(request);
    if ('ok' in route) return route;
    if (route.readUpTo !== undefined) {
      const marked = await this.readState.markRead(request.appKey, request.senderId, request, route.readUpTo, request.senderSessionId);
      if (!marked.ok) return marked;
    }
    const appended = await this.append(request, route);
    return { ok: true, message: appended.message, duplicate: appended.duplicate, ...(appended.change ? { change: appended.change } : {}) };
  }

  /**
   * Takes one from the user's budget of sends from clients (`sendsPerUserPerSecond`, a burst of
   * twice that), which other writes a client makes as often as messages share; false when spent.
   */
  withinSendRate(appKey: string, userId: string): Promise<boolean> {
    const rate = this.options.sendsPerUserPerSecond;
    return this.bus.takeToken(`send:${appKey}:${userId}`, rate, rate * 2);
  }

  /**
   * Sends a status message live: the recipients' online devices get it (an `s_msg`) or never do.
   * Nothing is stored or counted, and the sender's other devices are not told.
   */
  async sendStatus(request: StatusRequest): Promise<{ ok: true } | Refusal> {
    const problem = this.checkShape(request);
    if (problem) return problem;
    // Recalls, expansion updates, receipts and read counts act on the devices that get them, live or
    // not: they have their own paths, with their checks. Typing is the one state sent live.
    if ((STATE_ONLY_MESSAGE_TYPES.has(request.objectName) && request.objectName !== ReadStateMessageType.TYPING_STATUS) || request.objectName === ChangeMessageType.RECALL_NOTIFICATION) {
      return refuse(AckStatus.PARAMETER_INVALID, `${request.objectName} is not a status message`);
    }
    if (!request.fromServer) {
      const rate = STATUS_MESSAGES_PER_USER_PER_SECOND;
      if (!(await this.bus.takeToken(`status:${request.appKey}:${request.senderId}`, rate, rate * 2))) {
        return refuse(AckStatus.SEND_FREQUENCY_TOO_FAST, 'sending status messages too fast');
      }
    }
    const route = await this.recipientsOf(request);
    if ('ok' in route) return route;
    const { appKey, senderId, conversationType, targetId, objectName, content } = request;
    const flags = request.flags & ~(MessageFlag.PERSISTED | MessageFlag.COUNTED);
    const userIds = request.includeSender ? [...route.recipients, senderId] : route.recipients;
    if (userIds.length === 0) return { ok: true };
    // Live only: a status lost on the way is one the recipient would have missed offline anyway.
    await this.bus
      .publish({
        kind: 'live-message',
        appKey,
        userIds,
        message: { senderId, conversationType, targetId, objectName, content, sentTime: this.now(), flags },
        exceptSessionId: request.senderSessionId,
      })
      .catch(() => undefined);
    return { ok: true };
  }

  /** Stores and delivers a message the server sends in a user's name (see DeliverRequest). */
  async deliver(request: DeliverRequest): Promise<void> {
    const directed = request.conversationType === ConversationType.GROUP ? { toUserIds: request.recipients } : {};
    await this.append({ ...request, flags: 0 }, { recipients: request.recipients, ...directed }, false);
  }

  /** Stores the message with its inbox entries, then tells the recipients' devices to pull. */
  private async append(request: SendRequest, route: Route, senderCopy = request.conversationType !== ConversationType.SYSTEM): Promise<AppendedMessage> {
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
      // Whatever a client asks, what only carries state never enters history, conversation lists or unread counts.
      flags: STATE_ONLY_MESSAGE_TYPES.has(request.objectName) ? request.flags & ~(MessageFlag.PERSISTED | MessageFlag.COUNTED) : request.flags,
      clientUniqueId: request.clientUniqueId,
      recipients: route.recipients,
      senderCopy,
      ...(route.toUserIds === undefined ? {} : { toUserIds: route.toUserIds }),
      ...(request.expansion === undefined ? {} : { expansion: request.expansion }),
      ...(request.change === undefined ? {} : { change: request.change }),
    };
    const appended = await this.writer.write(message);
    if (appended.cursors.length > 0) {
      // The message is stored: a lost notice only delays delivery until the recipient's next pull
      // (at reconnect at the latest), so a bus failure must not fail the send.
      await this.bus
        .publish({ kind: 'inbox', appKey: request.appKey, notices: appended.cursors, exceptSessionId: request.senderSessionId })
        .catch(() => undefined);
    }
    return appended;
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
    if (type !== ConversationType.GROUP) return { ok: true, messages: await this.store.messages.history(appKey, key, userId, time, older, limit) };
    const access = groupHistoryAccess(await this.store.groups.periods(appKey, targetId, userId), { time, older });
    if (!access.allowed) return refuse(AckStatus.NOT_IN_GROUP, `not a member of group ${targetId}`);
    // Windows come in page order and do not overlap, so filling the page window by window keeps it
    // ordered. There are at most MEMBERSHIP_PERIODS_KEPT of them.
    const messages: StoredMessage[] = [];
    for (const window of access.windows) {
      if (messages.length >= limit) break;
      messages.push(...(await this.store.messages.history(appKey, key, userId, time, older, limit - messages.length, window)));
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

  private checkShape(request: Pick<SendRequest, 'content' | 'objectName' | 'targetId' | 'clientUniqueId'>): Refusal | undefined {
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

  /** Who gets a message: the rule for its conversation type, after the messages that only carry state. */
  private async routeOf(request: SendRequest): Promise<Route | Refusal> {
    if (request.objectName === ReadStateMessageType.READ_STATUS_SYNC) {
      // A read position is the user's own: it goes to their other devices alone. The conversation
      // must be one they have (ReadStateService.markRead), so nobody writes under another's.
      const readUpTo = parseReadStatusSync(request.content);
      if (readUpTo === undefined) return refuse(AckStatus.PARAMETER_INVALID, 'RC:SRSMsg needs a lastMessageSendTime');
      if (!isValidUserId(request.targetId)) return refuse(AckStatus.PARAMETER_INVALID, 'invalid conversation');
      return { recipients: [], readUpTo };
    }
    // Read counts come from the server (group-receipts.ts) or the app server: a client must not forge them.
    if (request.objectName === ReadStateMessageType.GROUP_READ_COUNT && !request.fromServer) return refuse(AckStatus.PARAMETER_INVALID, 'RC:RRMsg is sent by the server only');
    // A recall is made on recallMsg (message-changes.ts), which checks who may recall what, and its
    // notification is what the server shows of a recalled message: neither is sent as it stands.
    if (request.objectName === ChangeMessageType.RECALL_COMMAND && request.change?.kind !== 'recall') return refuse(AckStatus.PARAMETER_INVALID, 'a recall goes through recallMsg');
    if (request.objectName === ChangeMessageType.RECALL_NOTIFICATION) return refuse(AckStatus.PARAMETER_INVALID, 'RC:RcNtf is made by the server only');
    const route = await this.recipientsOf(request);
    if ('ok' in route || request.objectName !== ReadStateMessageType.READ_RECEIPT || request.conversationType !== ConversationType.PRIVATE) return route;
    // The reader's other devices clear their unread up to the receipt's arrival when it reaches them
    // (the Web SDK does): the server's read position moves with them, or the next sync would undo it.
    return { ...route, readUpTo: this.now() };
  }

  private async recipientsOf(request: Pick<SendRequest, 'appKey' | 'senderId' | 'conversationType' | 'targetId' | 'toUserIds' | 'fromServer'>): Promise<Route | Refusal> {
    const { appKey, senderId, targetId } = request;
    if (request.conversationType === ConversationType.GROUP) {
      const directed = [...new Set(request.toUserIds ?? [])];
      if (directed.length > MAX_DIRECTED_USER_IDS) return refuse(AckStatus.PARAMETER_INVALID, `toUserIds: at most ${MAX_DIRECTED_USER_IDS} users`);
      const members = await this.store.groups.members(appKey, targetId);
      const memberSet = new Set(members);
      if (!request.fromServer && !memberSet.has(senderId)) return refuse(AckStatus.NOT_IN_GROUP, `not a member of group ${targetId}`);
      if (members.length === 0) return refuse(AckStatus.PARAMETER_INVALID, `no group ${targetId}`);
      if (directed.length === 0) return { recipients: members.filter((m) => m !== senderId) };
      const outsider = directed.find((userId) => !memberSet.has(userId));
      if (outsider !== undefined) return refuse(AckStatus.PARAMETER_INVALID, `toUserIds: ${outsider} is not a member of group ${targetId}`);
      return { recipients: directed.filter((m) => m !== senderId), toUserIds: directed };
    }
    if (!isValidUserId(targetId) || targetId === senderId) return refuse(AckStatus.PARAMETER_INVALID, 'invalid recipient');
    const key = `${appKey}\n${targetId}`;
    if (!this.knownRecipients.has(key)) {
      if (!(await this.store.users.get(appKey, targetId))) return refuse(AckStatus.PARAMETER_INVALID, `no user ${targetId}`);
      if (this.knownRecipients.size >= MAX_KNOWN_RECIPIENTS) this.knownRecipients.clear();
      this.knownRecipients.add(key);
    }
    return { recipients: [targetId] };
  }
}

function refuse(status: number, reason: string): Refusal {
  return { ok: false, status, reason };
}
