import { AckStatus, ConversationType, decodePayload, encodePayload, isValidUserId, Topic, type SessionOutput } from '@parley/protocol';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { ConversationUnread, ReadStateService } from '../../core/messaging/read-state.js';
import type { TopicHandlers } from './topic-handler.js';

/**
 * Server-side unread (navigation `serverSaveUnread: 1`): `pullSe` pages through the caller's unread
 * state (all of it at connect, version 0; what changed since an `s_cmd` 13's version otherwise), and
 * `updRTime` moves a read position as the native stack's `updateConversationReadTime` does (the Web
 * SDK moves it with an `RC:SRSMsg`, see message-service.ts).
 */
export function unreadTopics(readState: Pick<ReadStateService, 'unread' | 'markRead'>, messages: Pick<MessageService, 'withinSendRate'>): TopicHandlers {
  return {
    queries: {
      [Topic.pullSe]: async (request, { session }) => {
        const { version, pageToken } = decodePayload('SessionQryInput', request);
        const page = await readState.unread(session.appKey, session.userId, version ?? 0, pageToken);
        return {
          status: AckStatus.SUCCESS,
          payload: encodePayload('SessionsOutput', { session: page.conversations.map(sessionOutputOf), pageToken: page.nextPageToken ?? '' }),
        };
      },
    },
    publishes: {
      [Topic.updRTime]: async (frame, { session, now }) => {
        const { type, msgTime, channelId } = decodePayload('SessionMsgReadInput', frame.payload);
        if ((type !== ConversationType.PRIVATE && type !== ConversationType.GROUP && type !== ConversationType.SYSTEM) || !isValidUserId(channelId)) {
          return { status: AckStatus.PARAMETER_INVALID, messageUId: '', sentTime: now };
        }
        // A write as often as a send, from the same budget.
        if (!(await messages.withinSendRate(session.appKey, session.userId))) return { status: AckStatus.SEND_FREQUENCY_TOO_FAST, messageUId: '', sentTime: now };
        const result = await readState.markRead(session.appKey, session.userId, { conversationType: type, targetId: channelId }, msgTime, session.sessionId);
        return { status: result.ok ? AckStatus.SUCCESS : result.status, messageUId: '', sentTime: now };
      },
    },
  };
}

function sessionOutputOf(c: ConversationUnread): SessionOutput {
  return {
    targetId: c.targetId,
    type: c.conversationType,
    version: c.version,
    unread: {
      cnt: c.count,
      mentionCnt: c.mentionCount,
      mentionMeCnt: c.mentionMeCount,
      clearTime: c.readTime,
      cutOffTime: c.countedUpTo,
      ...(c.firstUnread ? { firstUnreadMsg: { msgId: c.firstUnread.uid, msgTime: c.firstUnread.sentTime, className: c.firstUnread.objectName } } : {}),
    },
  };
}
