import { ConversationType, MAX_DIRECTED_USER_IDS, MAX_MESSAGE_CONTENT_BYTES, ORDINARY_MESSAGE_FLAGS } from '@parley/protocol';
import type { SendRequest } from '../../core/messaging/message-service.js';
import type { Services } from '../../services.js';
import type { StoredConversationType } from '../../store/store.js';
import { ApiError } from '../api-error.js';
import { fieldSchemas as f, type FormFields } from './form.js';
import type { ApiRoute } from './server-api-plugin.js';
import { z } from 'zod';

const MAX_RECIPIENTS = 1000;
const MAX_GROUPS_PER_CALL = 3;
const MAX_MEMBERS_PER_CALL = 1000;

const objectName = z.string().min(1).refine((s) => Buffer.byteLength(s) <= 64, 'must be at most 64 bytes');
const content = z
  .string()
  .refine((s) => Buffer.byteLength(s) <= MAX_MESSAGE_CONTENT_BYTES, 'must be at most 128 KiB')
  .refine(isJson, 'must be a JSON string');

/** `/group/*` and `/message/*`: docs/contract.md, "Server API"; the README lists the routes and choices. */
export function groupAndMessageRoutes(services: Services): ApiRoute[] {
  const { groups, messages, users } = services;

  /** Checks every recipient before anything is sent, so a call sends to all or to none. */
  const checkTargets = async (appKey: string, senderId: string, type: StoredConversationType, targets: string[]) => {
    for (const target of targets) {
      if (type === ConversationType.GROUP) {
        if ((await groups.members(appKey, target)).length === 0) throw ApiError.badParameter(`toGroupId: no group ${target}`);
      } else if (target === senderId) {
        // The message service refuses it too, but only after the earlier targets were sent to.
        throw ApiError.badParameter(`toUserId: ${target} is the sender`);
      } else if (!(await users.get(appKey, target))) {
        throw ApiError.badParameter(`toUserId: ${target} is not registered`);
      }
    }
  };

  /**
   * The messages are stored and counted, like the official SDK's text messages. `toUserIds` makes a
   * group message directed: only those members get it (and see it in history).
   */
  const sendAll = async (appKey: string, form: FormFields, type: StoredConversationType, targets: string[], toUserIds?: string[]) => {
    const senderId = form.required('fromUserId', f.userId);
    const base = { appKey, senderId, objectName: form.required('objectName', objectName), content: form.required('content', content), flags: ORDINARY_MESSAGE_FLAGS, fromServer: true, toUserIds };
    await checkTargets(appKey, senderId, type, targets);
    // Sent together, so the write batcher stores them in one transaction.
    const results = await Promise.all(targets.map((targetId) => messages.send({ ...base, conversationType: type, targetId } satisfies SendRequest)));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw ApiError.badParameter(failed.reason);
    return {};
  };

  /** Status messages go live to the recipients' online devices and are never stored (message-service.ts). */
  const sendStatusAll = async (appKey: string, form: FormFields, type: StoredConversationType, targets: string[]) => {
    const senderId = form.required('fromUserId', f.userId);
    const request = { appKey, senderId, objectName: form.required('objectName', objectName), content: form.required('content', content), flags: 0, fromServer: true };
    // RongCloud's options that change nothing here: no blacklists, and a status message is never counted.
    form.optional('verifyBlacklist', f.integer(0, 1));
    form.optional('isCounted', f.integer(0, 1));
    form.optional('busChannel', z.string());
    const includeSender = form.optional('isIncludeSender', f.integer(0, 1)) === 1;
    await checkTargets(appKey, senderId, type, targets);
    for (const targetId of targets) {
      const result = await messages.sendStatus({ ...request, conversationType: type, targetId, includeSender });
      if (!result.ok) throw ApiError.badParameter(result.reason);
    }
    return {};
  };

  return [
    {
      path: 'group/create',
      handle: async ({ app, form }) => {
        const groupId = form.required('groupId', f.groupId);
        const name = form.required('groupName', f.groupName);
        await groups.join(app.appKey, groupId, form.many('userId', f.userId, { max: MAX_MEMBERS_PER_CALL }), name);
        return {};
      },
    },
    {
      path: 'group/join',
      handle: async ({ app, form }) => {
        const groupId = form.required('groupId', f.groupId);
        const name = form.optional('groupName', f.groupName);
        await groups.join(app.appKey, groupId, form.many('userId', f.userId, { max: MAX_MEMBERS_PER_CALL }), name);
        return {};
      },
    },
    {
      path: 'group/quit',
      handle: async ({ app, form }) => {
        const groupId = form.required('groupId', f.groupId);
        await groups.quit(app.appKey, groupId, form.many('userId', f.userId, { max: MAX_MEMBERS_PER_CALL }));
        return {};
      },
    },
    {
      path: 'group/dismiss',
      handle: async ({ app, form }) => {
        form.required('userId', f.userId);
        const groupId = form.required('groupId', f.groupId);
        if (!(await groups.dismiss(app.appKey, groupId))) throw ApiError.badParameter(`groupId: no group ${groupId}`);
        return {};
      },
    },
    {
      path: 'message/private/publish',
      handle: ({ app, form }) => sendAll(app.appKey, form, ConversationType.PRIVATE, form.many('toUserId', f.userId, { max: MAX_RECIPIENTS })),
    },
    {
      path: 'message/system/publish',
      handle: ({ app, form }) => sendAll(app.appKey, form, ConversationType.SYSTEM, form.many('toUserId', f.userId, { max: MAX_RECIPIENTS })),
    },
    {
      path: 'message/group/publish',
      handle: ({ app, form }) => {
        const groupIds = form.many('toGroupId', f.groupId, { max: MAX_GROUPS_PER_CALL });
        const toUserIds = form.many('toUserId', f.userId, { min: 0, max: MAX_DIRECTED_USER_IDS });
        // RongCloud: "valid when toGroupId names one group".
        if (toUserIds.length > 0 && groupIds.length > 1) throw ApiError.badParameter('toUserId: a directed message goes to one toGroupId');
        return sendAll(app.appKey, form, ConversationType.GROUP, groupIds, toUserIds);
      },
    },
    {
      path: 'statusmessage/private/publish',
      handle: ({ app, form }) => sendStatusAll(app.appKey, form, ConversationType.PRIVATE, form.many('toUserId', f.userId, { max: MAX_RECIPIENTS })),
    },
    {
      path: 'statusmessage/group/publish',
      handle: ({ app, form }) => sendStatusAll(app.appKey, form, ConversationType.GROUP, form.many('toGroupId', f.groupId, { max: MAX_GROUPS_PER_CALL })),
    },
  ];
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
