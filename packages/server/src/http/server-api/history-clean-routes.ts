import { CLEAR_EVERYTHING } from '@parley/protocol';
import type { Services } from '../../services.js';
import { ApiError } from '../api-error.js';
import { fieldSchemas as f } from './form.js';
import type { ApiRoute } from './server-api-plugin.js';

/**
 * `/conversation/message/history/clean`: clears a user's history of one conversation, for that user
 * only, as their own clear does (core/messaging/message-deletion.ts); without `msgTimestamp`,
 * all of it.
 */
export function historyCleanRoutes({ deletion }: Pick<Services, 'deletion'>): ApiRoute[] {
  return [
    {
      path: 'conversation/message/history/clean',
      handle: async ({ app, form }) => {
        const conversationType = form.required('conversationType', f.integer(0, 100));
        const fromUserId = form.required('fromUserId', f.userId);
        const targetId = form.required('targetId', f.userId);
        const through = form.optional('msgTimestamp', f.integer(0, Number.MAX_SAFE_INTEGER)) ?? CLEAR_EVERYTHING;
        const result = await deletion.clearHistory(app.appKey, fromUserId, [{ conversationType, targetId, through }]);
        if (!result.ok) throw ApiError.badParameter(result.reason);
        return {};
      },
    },
  ];
}
