import { AckStatus, decodePayload, encodePayload, Topic } from '@parley/protocol';
import type { MessageService } from '../../core/messaging/message-service.js';
import { toDownStream } from '../down-stream.js';
import type { TopicHandlers } from './topic-handler.js';

/** Inbox entries per pullMsg answer; a larger backlog comes in several pages (`finished: false`). */
export const PULL_PAGE_SIZE = 200;

/**
 * Receiving: after an `s_ntf` (or at connect) a device pulls its inbox from its own cursor, page by
 * page; the answer's cursor tells the gateway what the device has now reached.
 */
export function pullTopics(messages: Pick<MessageService, 'pull'>): TopicHandlers {
  return {
    queries: {
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
    },
  };
}
