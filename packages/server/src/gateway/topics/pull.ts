import { AckStatus, decodePayload, encodeDownStreamPage, RECALL_LOWERS_UNREAD, Topic } from '@parley/protocol';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { ReadStateService } from '../../core/messaging/read-state.js';
import { encodeDownStream } from '../down-stream.js';
import type { TopicHandlers } from './topic-handler.js';

/** Inbox entries per pullMsg answer; a larger backlog comes in several pages (`finished: false`). */
export const PULL_PAGE_SIZE = 200;

/**
 * Receiving: after an `s_ntf` (or at connect) a device pulls its inbox from its own cursor, page by
 * page; the answer's cursor tells the gateway what the device has now reached.
 */
export function pullTopics(messages: Pick<MessageService, 'pull'>, readState: Pick<ReadStateService, 'recallsLoweringUnread'>): TopicHandlers {
  return {
    queries: {
      [Topic.pullMsg]: async (request, { session, flavor, sync: device }) => {
        const sync = decodePayload('SyncRequestMsg', request);
        const page = await messages.pull(session.appKey, session.userId, sync.syncTime, PULL_PAGE_SIZE, sync.isPullSend !== false);
        const delivered = device.deliver(sync.syncTime, page);
        // Unread is kept by the server (navigation serverSaveUnread): which recalls lower this reader's count is its to say.
        const lowering = await readState.recallsLoweringUnread(session.appKey, session.userId, delivered);
        return {
          status: AckStatus.SUCCESS,
          payload: encodeDownStreamPage(
            delivered.map((e) => encodeDownStream(e.message, session.userId, flavor, lowering.has(e.message.uid) ? RECALL_LOWERS_UNREAD : undefined)),
            page.cursor,
            page.finished,
          ),
          inboxCursor: page.cursor,
        };
      },
    },
  };
}
