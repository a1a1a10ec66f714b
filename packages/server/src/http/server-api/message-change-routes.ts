import { ChangeMessageType, ConversationType, MAX_MESSAGE_CONTENT_BYTES, MessageFlag, parseJsonObject } from '@parley/protocol';
import { z } from 'zod';
import type { Refusal } from '../../core/messaging/message-service.js';
import type { Services } from '../../services.js';
import type { StoredConversationType } from '../../store/store.js';
import { ApiError } from '../api-error.js';
import { fieldSchemas as f, type FormFields } from './form.js';
import type { ApiRoute } from './server-api-plugin.js';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const conversationType = z.enum([String(ConversationType.PRIVATE), String(ConversationType.GROUP)]).transform((v) => Number(v) as StoredConversationType);
const uid = z.string().min(1).max(64);
const jsonObject = z.string().refine((s) => parseJsonObject(s) !== undefined, 'must be a JSON object');
const jsonArray = z.string().refine((s) => {
  try {
    return Array.isArray(JSON.parse(s));
  } catch {
    return false;
  }
}, 'must be a JSON array');
const content = jsonObject.refine((s) => Buffer.byteLength(s) <= MAX_MESSAGE_CONTENT_BYTES, 'must be at most 128 KiB');

/**
 * Changing sent messages from an app server, as RongCloud's Server API names the calls: recall
 * (`/message/recall.json`, which an app server may make as admin for anyone's message), edit
 * (`/message/private|group/modify.json`) and expansion (`/message/expansion/set|delete|query.json`).
 * They go through the same rules as the clients' (core/messaging/message-changes.ts); a refusal
 * answers the status a client would get as its code.
 */
export function messageChangeRoutes({ changes }: Pick<Services, 'changes'>): ApiRoute[] {
  const edit = async (appKey: string, form: FormFields, type: StoredConversationType, targetField: string) => {
    const result = await changes.edit({
      appKey,
      editorId: form.required('fromUserId', f.userId),
      conversationType: type,
      targetId: form.required(targetField, f.userId),
      uid: form.required('msgUID', uid),
      content: form.required('content', content),
      fromServer: true,
    });
    if (!result.ok) throw refused(result);
    return {};
  };
  const expand = async (appKey: string, form: FormFields, update: { put?: unknown; del?: unknown }) => {
    const result = await changes.sendExpansionUpdate({
      appKey,
      senderId: form.required('userId', f.userId),
      conversationType: form.required('conversationType', conversationType),
      targetId: form.required('targetId', f.userId),
      objectName: ChangeMessageType.EXPANSION_UPDATE,
      content: JSON.stringify({ ...update, mid: form.required('msgUID', uid) }),
      flags: 0,
      fromServer: true,
    });
    if (!result.ok) throw refused(result);
    return {};
  };

  return [
    {
      path: 'message/recall',
      handle: async ({ app, form }) => {
        const type = form.required('conversationType', conversationType);
        const targetId = form.required('targetId', f.userId);
        const messageUId = form.required('messageUID', uid);
        const extra = form.optional('extra', z.string().max(1024));
        const result = await changes.recall({
          appKey: app.appKey,
          operatorId: form.required('fromUserId', f.userId),
          content: JSON.stringify({
            conversationType: type,
            targetId,
            messageUId,
            sentTime: form.optional('sentTime', f.integer(0, Number.MAX_SAFE_INTEGER)) ?? 0,
            isDelete: form.optional('isDelete', flag) ?? false,
            isAdmin: form.optional('isAdmin', flag) ?? false,
            ...(extra === undefined ? {} : { extra }),
          }),
          flags: form.optional('disablePush', flag) ? MessageFlag.NO_NOTIFICATION : 0,
          fromServer: true,
          admin: form.optional('isAdmin', flag) ?? false,
        });
        if (!result.ok) throw refused(result);
        return {};
      },
    },
    { path: 'message/private/modify', handle: ({ app, form }) => edit(app.appKey, form, ConversationType.PRIVATE, 'targetId') },
    { path: 'message/group/modify', handle: ({ app, form }) => edit(app.appKey, form, ConversationType.GROUP, 'groupId') },
    {
      path: 'message/expansion/set',
      handle: ({ app, form }) => expand(app.appKey, form, { put: JSON.parse(form.required('extraKeyVal', jsonObject)) as unknown }),
    },
    {
      path: 'message/expansion/delete',
      handle: ({ app, form }) => expand(app.appKey, form, { del: JSON.parse(form.required('extraKey', jsonArray)) as unknown }),
    },
    {
      path: 'message/expansion/query',
      handle: async ({ app, form }) => {
        const expansion = await changes.expansionOf(app.appKey, form.required('msgUID', uid));
        if (!expansion) throw ApiError.badParameter('msgUID: no expandable message');
        return { extraContent: expansion };
      },
    },
  ];
}

/** A refusal of the rules, answered with the status a client would get (RongCloud's Server API shares those codes). */
function refused(refusal: Refusal): ApiError {
  return new ApiError(refusal.status, 400, refusal.reason);
}
