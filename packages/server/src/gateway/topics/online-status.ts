import { AckStatus, decodePayload, encodePayload, OnlineValue, STATUS_SUBSCRIPTION_LIMITS, SubscribeOperation, SubscribeType, Topic, type SubDataDetail } from '@parley/protocol';
import type { UserStatusChange } from '../../bus/bus.js';
import type { OnlineStatusService, UserOnlineStatus } from '../../core/online-status/online-status-service.js';
import type { TopicHandlers } from './topic-handler.js';

/**
 * Online status subscriptions (navigation `subDriven` bit 1): `updUserSub` subscribes and
 * unsubscribes, `qrySubData` answers the current status of users the caller subscribes to,
 * `pullUserSub` and `pullSubData` hand a connecting device all of its user's subscriptions and
 * their status. Changes are pushed as `s_stat` (statusPush, sent by the gateway).
 */
export function onlineStatusTopics(status: Pick<OnlineStatusService, 'subscribe' | 'unsubscribe' | 'subscriptions' | 'statusOf'>): TopicHandlers {
  return {
    queries: {
      [Topic.updUserSub]: async (request, { session }) => {
        const { subType, opType, subUsers, expiry } = decodePayload('UpdateUserSubReq', request);
        if (subType !== SubscribeType.ONLINE_STATUS) return { status: AckStatus.PARAMETER_INVALID };
        const ids = subUsers.map((u) => u.subUserId);
        if (opType === SubscribeOperation.UNSUBSCRIBE) {
          const result = await status.unsubscribe(session, ids);
          return result.ok ? { status: AckStatus.SUCCESS, payload: encodePayload('UpdateUserSubResp', { subTime: result.time }) } : { status: result.status };
        }
        if (opType !== undefined && opType !== SubscribeOperation.SUBSCRIBE) return { status: AckStatus.PARAMETER_INVALID };
        const result = await status.subscribe(session, ids, expiry);
        if (result.ok) return { status: AckStatus.SUCCESS, payload: encodePayload('UpdateUserSubResp', { subTime: result.subscribedAt }) };
        // The SDK hands the app the users who have too many subscribers.
        const full = (result.subjectIds ?? []).map((subUserId) => ({ subUserId }));
        return { status: result.status, payload: full.length > 0 ? encodePayload('UpdateUserSubResp', { subUsers: full }) : undefined };
      },
      [Topic.qrySubData]: async (request, { session, now }) => {
        const { subType, subUsers } = decodePayload('QrySubDataReq', request);
        // Parley keeps no friend lists: no status is a friend's, and the SDK shows the subscribed users it did find.
        if (subType === SubscribeType.FRIEND_ONLINE_STATUS) return { status: AckStatus.SUCCESS, payload: encodePayload('PullSubDataResp', { list: [], versionTime: now }) };
        if (subType !== SubscribeType.ONLINE_STATUS || subUsers.length === 0 || subUsers.length > STATUS_SUBSCRIPTION_LIMITS.perRequest) return { status: AckStatus.PARAMETER_INVALID };
        // Status is shown to those who subscribe: others' ids are left out of the answer.
        const subscribed = new Set((await status.subscriptions(session.appKey, session.userId)).map((s) => s.subjectId));
        const asked = new Set(subUsers.map((u) => u.subUserId));
        const users = [...subscribed].filter((id) => asked.has(id));
        const list = (await status.statusOf(session.appKey, users)).map(detailOf);
        return { status: AckStatus.SUCCESS, payload: encodePayload('PullSubDataResp', { list, versionTime: now, hasNext: false, isFull: false }) };
      },
      [Topic.pullUserSub]: async (request, { session, now }) => {
        decodePayload('PullUserSubReq', request);
        const subscriptions = await status.subscriptions(session.appKey, session.userId);
        const list = subscriptions.map((s) => ({
          subUsers: [{ subUserId: s.subjectId }],
          subType: SubscribeType.ONLINE_STATUS,
          subTime: s.subscribedAt,
          expiry: Math.round((s.expiresAt - s.subscribedAt) / 1000),
          opType: SubscribeOperation.SUBSCRIBE,
        }));
        // Always the whole list (at most the subscription limit): the SDK replaces what it held.
        return { status: AckStatus.SUCCESS, payload: encodePayload('PUllUserSubResp', { list, version: now, hasNext: false, pageToken: '', isFull: true }) };
      },
      [Topic.pullSubData]: async (request, { session, now }) => {
        decodePayload('PullSubDataReq', request);
        const subscriptions = await status.subscriptions(session.appKey, session.userId);
        const list = (await status.statusOf(session.appKey, subscriptions.map((s) => s.subjectId))).map(detailOf);
        return { status: AckStatus.SUCCESS, payload: encodePayload('PullSubDataResp', { list, versionTime: now, hasNext: false, pageToken: '', isFull: true }) };
      },
    },
  };
}

function detailOf(user: UserOnlineStatus): SubDataDetail {
  return {
    subUserId: user.userId,
    subType: SubscribeType.ONLINE_STATUS,
    data: user.platforms.map((p) => ({ platformInfo: p.platform, value: p.online ? OnlineValue.ONLINE : OnlineValue.OFFLINE, versionTime: p.time })),
  };
}

/** The `s_stat` payload of a change: only the platforms that changed. */
export function statusPush(change: UserStatusChange): Uint8Array {
  return encodePayload('SubDataDetail', {
    subUserId: change.userId,
    subType: SubscribeType.ONLINE_STATUS,
    data: change.platforms.map((p) => ({ platformInfo: p.platform, value: p.online ? OnlineValue.ONLINE : OnlineValue.OFFLINE, versionTime: change.time })),
  });
}
