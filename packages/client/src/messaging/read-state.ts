import {
  AckStatus,
  ConversationType,
  decodePayload,
  encodePayload,
  MessageDirection,
  parseGroupReadCount,
  parseReadReceipt,
  parseReadStatusSync,
  parseTypingStatus,
  ReadStateMessageType,
  sendTopicFor,
  statusTopicFor,
  Topic,
  type DownStreamMessage,
} from '@parley/protocol';
import type { RmtpSession } from '../connection/rmtp-session.js';
import type { LocalMessage, UserStore } from '../store/local-store.js';

/** Someone is typing in a conversation (an `RC:TypSts`): live only, never stored. */
export interface TypingStatus {
  conversationType: number;
  /** The conversation, as this user names it: the typist of a private chat, or the group. */
  targetId: string;
  userId: string;
  /** The object name of what they type (`RC:TxtMsg`, ...). */
  typingContentType: string;
  sentTime: number;
}

/** A read receipt for the user's messages. */
export type ReadReceipt =
  /** The peer of a private chat read up to `readTime` (the sent time of `messageUId`). */
  | { conversationType: typeof ConversationType.PRIVATE; targetId: string; messageUId: string | undefined; readTime: number }
  /** `readCount` of the `totalCount` members a group message reached have read it. */
  | { conversationType: typeof ConversationType.GROUP; targetId: string; messageUId: string; readCount: number; totalCount: number };

/** Who read a group message the user sent. */
export interface MessageReaders {
  /** How many users it reached. */
  totalMemberCount: number;
  list: { userId: string; readTime: number }[];
}

export interface ReadStateEvents {
  typing(status: TypingStatus): void;
  receipt(receipt: ReadReceipt): void;
}

/** Read position changes from the user's own devices, and receipts: they carry state, they are not kept as messages. */
const READ_STATE_TYPES: ReadonlySet<string> = new Set([ReadStateMessageType.READ_RECEIPT, ReadStateMessageType.READ_STATUS_SYNC, ReadStateMessageType.GROUP_READ_COUNT]);

export class ReadStateError extends Error {
  constructor(readonly code: number) {
    super(`read state request failed with ${code}`);
  }
}

/**
 * Typing and read state for one user: what the official SDKs do with `RC:TypSts`, `RC:ReadNtf`,
 * `RC:SRSMsg` and `RC:RRMsg`, and the server-side unread (`pullSe`, `s_cmd` 13). Read positions
 * are kept in the local database and follow the user's other devices: each mark reaches them as
 * their own `RC:SRSMsg` or `RC:ReadNtf`, and as an unread sync.
 */
export class ReadState {
  constructor(
    private readonly store: UserStore,
    private readonly userId: string,
    private readonly events: ReadStateEvents,
  ) {}

  /** Whether a pulled message only carries read state (applied with `apply`, never stored). */
  carries(message: LocalMessage): boolean {
    return READ_STATE_TYPES.has(message.objectName);
  }

  /** Applies pulled read-state messages, once the page they came in is stored. Applying one twice changes nothing. */
  async apply(messages: readonly LocalMessage[]): Promise<void> {
    for (const message of messages) {
      const content = JSON.stringify(message.content);
      const own = message.direction === MessageDirection.SEND;
      switch (message.objectName) {
        case ReadStateMessageType.READ_STATUS_SYNC: {
          const readTime = parseReadStatusSync(content);
          if (own && readTime !== undefined) await this.store.markRead(message.conversationType, message.targetId, readTime);
          break;
        }
        case ReadStateMessageType.READ_RECEIPT: {
          const receipt = parseReadReceipt(content);
          if (!receipt || message.conversationType !== ConversationType.PRIVATE) break;
          // Read on another device of the user's: everything up to the receipt's arrival is read here too, as the official SDK does.
          if (own) await this.store.markRead(ConversationType.PRIVATE, message.targetId, message.sentTime);
          else this.events.receipt({ conversationType: ConversationType.PRIVATE, targetId: message.targetId, messageUId: receipt.messageUId, readTime: receipt.lastMessageSendTime });
          break;
        }
        case ReadStateMessageType.GROUP_READ_COUNT: {
          const count = parseGroupReadCount(content);
          if (count) this.events.receipt({ conversationType: ConversationType.GROUP, targetId: message.targetId, messageUId: count.msgId, readCount: count.rrn, totalCount: count.tmn });
          break;
        }
      }
    }
  }

  /** A live message (`s_msg`): a typing status from someone else. */
  onLive(message: DownStreamMessage): void {
    if (message.classname !== ReadStateMessageType.TYPING_STATUS || message.fromUserId === this.userId) return;
    const typing = parseTypingStatus(message.content);
    if (!typing) return;
    const targetId = message.type === ConversationType.GROUP ? (message.groupId ?? '') : message.fromUserId;
    this.events.typing({ conversationType: message.type, targetId, userId: message.fromUserId, typingContentType: typing.typingContentType, sentTime: message.dataTime });
  }

  /** Takes the server's unread counts: all of them (version 0, at connect), or those changed since an `s_cmd` 13's version. */
  async syncUnread(session: RmtpSession, version: number): Promise<void> {
    let pageToken = '';
    do {
      const answer = await session.query(Topic.pullSe, this.userId, encodePayload('SessionQryInput', { version, pageToken }));
      if (answer.status !== AckStatus.SUCCESS) return;
      const page = decodePayload('SessionsOutput', answer.payload);
      for (const { type, targetId, unread } of page.session) {
        if (type === undefined || targetId === undefined || !unread) continue;
        await this.store.markRead(type, targetId, unread.clearTime ?? 0, { unreadCount: unread.cnt ?? 0, countedUpTo: unread.cutOffTime ?? 0 });
      }
      pageToken = page.pageToken ?? '';
    } while (pageToken !== '');
  }

  /**
   * Marks the conversation read up to its latest message, here and on the server (an `RC:SRSMsg`
   * that reaches only the user's own other devices); returns the read position.
   */
  async markConversationAsRead(session: RmtpSession, conversationType: number, targetId: string, now: number): Promise<number> {
    const topic = sendTopicFor(conversationType);
    if (!topic) throw new ReadStateError(AckStatus.PARAMETER_INVALID);
    const conversation = (await this.store.getConversations()).find((c) => c.conversationType === conversationType && c.targetId === targetId);
    const readTime = conversation?.updatedAt ?? now;
    const answer = await session.publish(
      topic,
      targetId,
      encodePayload('UpStreamMessage', {
        sessionId: 0,
        classname: ReadStateMessageType.READ_STATUS_SYNC,
        content: JSON.stringify({ lastMessageSendTime: readTime }),
        // In a group the official SDK directs it to the user alone.
        toUserIds: conversationType === ConversationType.GROUP ? [this.userId] : [],
      }),
    );
    if (answer.status !== AckStatus.SUCCESS) throw new ReadStateError(answer.status);
    await this.store.markRead(conversationType, targetId, readTime);
    return readTime;
  }

  /** Tells the peer of a private chat that its messages were read up to `sentTime` (that of `messageUId`). */
  async sendReadReceipt(session: RmtpSession, targetId: string, messageUId: string, sentTime: number): Promise<void> {
    const content = JSON.stringify({ messageUId, lastMessageSendTime: sentTime, type: 1 });
    const answer = await session.publish(Topic.ppMsgP, targetId, encodePayload('UpStreamMessage', { sessionId: 0, classname: ReadStateMessageType.READ_RECEIPT, content, toUserIds: [] }));
    if (answer.status !== AckStatus.SUCCESS) throw new ReadStateError(answer.status);
    // The user's other devices take the receipt as read up to its arrival; so does this one.
    await this.store.markRead(ConversationType.PRIVATE, targetId, answer.sentTime);
  }

  /** Tells the senders of these group messages that the user read them (receipts v2). */
  async sendGroupReadReceipt(session: RmtpSession, groupId: string, messageUIds: string[]): Promise<void> {
    const answer = await session.query(Topic.rrMsg, groupId, encodePayload('GrpReadReceiptMsg', { msgId: messageUIds }));
    if (answer.status !== AckStatus.SUCCESS) throw new ReadStateError(answer.status);
  }

  /** Who read a group message the user sent. */
  async getMessageReader(session: RmtpSession, groupId: string, messageUId: string): Promise<MessageReaders> {
    const answer = await session.query(Topic.rrList, groupId, encodePayload('GrpReadReceiptMsg', { msgId: [messageUId] }));
    if (answer.status !== AckStatus.SUCCESS) throw new ReadStateError(answer.status);
    const { totalMemberNum, list } = decodePayload('GrpReadReceiptQryResp', answer.payload);
    return { totalMemberCount: totalMemberNum, list: list.map(({ userId, readTime }) => ({ userId, readTime })) };
  }

  /** Sends a typing status to the peer or the group's members: live, unanswered, never stored. */
  sendTypingStatus(session: RmtpSession, conversationType: number, targetId: string, typingContentType: string): void {
    const topic = statusTopicFor(conversationType);
    if (!topic) throw new ReadStateError(AckStatus.PARAMETER_INVALID);
    const content = JSON.stringify({ typingContentType });
    session.publishUnanswered(topic, targetId, encodePayload('UpStreamMessage', { sessionId: 0, classname: ReadStateMessageType.TYPING_STATUS, content, toUserIds: [] }));
  }
}
