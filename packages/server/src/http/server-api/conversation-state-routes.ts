import { ConversationStateType, NotificationLevel, type SessionState } from '@parley/protocol';
import { z } from 'zod';
import type { Services } from '../../services.js';
import { ApiError } from '../api-error.js';
import { fieldSchemas as f } from './form.js';
import type { ApiRoute } from './server-api-plugin.js';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * A user's conversation states set by the app server, as the user's own devices set them
 * (core/messaging/conversation-states.ts): the user's online devices are told and sync.
 * `conversation/notification/set` takes `unpushLevel` (a NotificationLevel) or the older `isMuted`
 * (1: muted, as the SDKs' NotificationStatus.OPEN, i.e. AT_MESSAGE_NOTIFICATION; 0: NOT_SET);
 * `conversation/top/set` takes `setTop`.
 */
export function conversationStateRoutes({ conversationStates }: Pick<Services, 'conversationStates'>): ApiRoute[] {
  const set = async (appKey: string, userId: string, state: SessionState) => {
    const result = await conversationStates.set(appKey, userId, [state], 0);
    if (!result.ok) throw ApiError.badParameter(result.reason);
    return {};
  };
  return [
    {
      path: 'conversation/notification/set',
      handle: async ({ app, form }) => {
        const type = form.required('conversationType', f.integer(0, 100));
        const userId = form.required('requestId', f.userId);
        const targetId = form.required('targetId', f.userId);
        const unpushLevel = form.optional('unpushLevel', f.integer(-1, 5));
        const isMuted = form.optional('isMuted', f.integer(0, 1));
        if (unpushLevel === undefined && isMuted === undefined) throw ApiError.badParameter('unpushLevel or isMuted is required');
        const level = unpushLevel ?? (isMuted === 1 ? NotificationLevel.AT_MESSAGE_NOTIFICATION : NotificationLevel.NOT_SET);
        return set(app.appKey, userId, { type, channelId: targetId, stateItem: [{ sessionStateType: ConversationStateType.NOTIFICATION_LEVEL, value: String(level), tags: [] }] });
      },
    },
    {
      path: 'conversation/top/set',
      handle: async ({ app, form }) => {
        const type = form.required('conversationType', f.integer(0, 100));
        const userId = form.required('userId', f.userId);
        const targetId = form.required('targetId', f.userId);
        const isTop = form.required('setTop', flag);
        return set(app.appKey, userId, { type, channelId: targetId, stateItem: [{ sessionStateType: ConversationStateType.IS_TOP, value: isTop ? '1' : '0', tags: [] }] });
      },
    },
  ];
}
