import {
  AckStatus,
  decodePayload,
  encodePayload,
  HISTORY_TOPIC_CONVERSATION_TYPE,
  PayloadDecodeError,
  Topic,
  type ClientPublishFrame,
} from '@parley/protocol';
import { Counter, type Registry } from 'prom-client';
import type { SessionEntry } from '../bus/bus.js';
import type { MessageService } from '../core/messaging/message-service.js';
import { PAGE_CONTENT_BUDGET_BYTES, pageBytesOf, prefixWithin } from '../core/messaging/page-budget.js';
import type { StoredConversationType } from '../store/store.js';
import { toDownStream } from './down-stream.js';
import type { QueryHandler } from './queries.js';

/** Inbox entries per pullMsg answer; a larger backlog comes in several pages (`finished: false`). */
export const PULL_PAGE_SIZE = 200;
const HISTORY_DEFAULT_COUNT = 20;
const HISTORY_MAX_COUNT = 100;
const CONVERSATIONS_DEFAULT_COUNT = 300;
const CONVERSATIONS_MAX_COUNT = 1000;

export interface PublishAnswer {
  status: number;
  messageUId: string;
  sentTime: number;
}

export type PublishHandler = (frame: ClientPublishFrame, context: { session: SessionEntry; now: number }) => Promise<PublishAnswer>;

/** Sending: `ppMsgP` (private) and `pgMsgP` (group) carry an UpStreamMessage; the PUBACK follows the commit. */
export function publishHandlers(messages: MessageService, metrics: Registry): Readonly<Record<string, PublishHandler>> {
  const stored = new Counter({
    name: 'parley_messages_total',
    help: 'Messages clients sent that were stored and acked (a retried send counts once)',
    labelNames: ['type'],
    registers: [metrics],
  });
  const send =
    (conversationType: StoredConversationType): PublishHandler =>
    async (frame, { session, now }) => {
      let up;
      try {
        up = decodePayload('UpStreamMessage', frame.payload);
      } catch (error) {
        if (error instanceof PayloadDecodeError) return { status: AckStatus.PARAMETER_INVALID, messageUId: '', sentTime: now };
        throw error;
      }
      const result = await messages.send({
        appKey: session.appKey,
        senderId: session.userId,
        conversationType,
        targetId: frame.targetId,
        objectName: up.classname,
        content: up.content,
        flags: up.sessionId,
        clientUniqueId: up.clientUniqueId === undefined ? undefined : String(up.clientUniqueId),
        senderSessionId: session.sessionId,
      });
      if (!result.ok) return { status: result.status, messageUId: '', sentTime: now };
      if (!result.duplicate) stored.inc({ type: conversationType === 1 ? 'private' : 'group' });
      return { status: AckStatus.SUCCESS, messageUId: result.message.uid, sentTime: result.message.sentTime };
    };
  return { [Topic.ppMsgP]: send(1), [Topic.pgMsgP]: send(3) };
}

/** Receiving, history and the conversation list. */
export function messagingQueries(messages: MessageService): Readonly<Record<string, QueryHandler>> {
  const handlers: Record<string, QueryHandler> = {
    [Topic.pullMsg]: async (request, { session, flavor }) => {
      const sync = decodePayload('SyncRequestMsg', request);
      const page = await messages.pull(session.appKey, session.userId, sync.syncTime, PULL_PAGE_SIZE, sync.isPullSend !== false);
      return {
        status: AckStatus.SUCCESS,
        payload: encodePayload('DownStreamMessages', {
          list: page.entries.map((e) => toDownStream(e.message, session.userId, flavor)),
          syncTime: page.cursor,
          finished: page.finished,
        }),
        inboxCursor: page.cursor,
      };
    },
    [Topic.qryRelationR]: async (request, { session, flavor }) => {
      const query = decodePayload('RelationQryInput', request);
      const count = clamp(query.count || CONVERSATIONS_DEFAULT_COUNT, 1, CONVERSATIONS_MAX_COUNT);
      const list = await messages.conversations(session.appKey, session.userId, query.startTime ?? 0, count + 1);
      const page = prefixWithin(list.slice(0, count), (c) => pageBytesOf(c.lastMessage), PAGE_CONTENT_BUDGET_BYTES);
      return {
        status: AckStatus.SUCCESS,
        payload: encodePayload('RelationsOutput', {
          info: page.map((c) => ({
            type: c.conversationType,
            userId: c.targetId,
            msg: toDownStream(c.lastMessage, session.userId, flavor),
            versionTime: c.versionTime,
          })),
          isFinished: list.length <= page.length,
        }),
      };
    },
  };
  for (const [topic, type] of Object.entries(HISTORY_TOPIC_CONVERSATION_TYPE)) {
    // Chatrooms, customer service and the like are not Parley features: their topics stay unknown (20606).
    if (type !== 1 && type !== 3 && type !== 6) continue;
    handlers[topic] = async (request, { session, now, flavor }) => {
      const query = decodePayload('HistoryMsgInput', request);
      const older = (query.order ?? 0) === 0;
      const count = clamp(query.count || HISTORY_DEFAULT_COUNT, 1, HISTORY_MAX_COUNT);
      const time = query.time || (older ? now + 60_000 : 0);
      const result = await messages.history(session.appKey, session.userId, type, query.targetId ?? '', time, older, count + 1);
      if (!result.ok) return { status: result.status };
      const found = result.messages;
      const page = prefixWithin(found.slice(0, count), pageBytesOf, PAGE_CONTENT_BUDGET_BYTES);
      return {
        status: AckStatus.SUCCESS,
        payload: encodePayload('HistoryMsgOuput', {
          list: page.map((m) => toDownStream(m, session.userId, flavor)),
          syncTime: page.at(-1)?.sentTime ?? time,
          hasMsg: found.length > page.length ? 1 : 0,
        }),
      };
    };
  }
  return handlers;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
