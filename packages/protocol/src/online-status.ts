/**
 * Subscriptions to other users' online status, as the Web SDK 5.38 (`subscribeUserStatus`) and
 * the engine's subscription manager speak them: `updUserSub` to subscribe and unsubscribe,
 * `qrySubData` for current status, `pullUserSub` and `pullSubData` at connect, `s_stat` pushes.
 */

/** `subType` of the subscription payloads; only online status is served. */
export const SubscribeType = {
  ONLINE_STATUS: 1,
  /** Friends' status: the SDK's `getSubscribeUsersOnlineStatus` asks it for users it has no subscription to. */
  FRIEND_ONLINE_STATUS: 3,
} as const;

/** `opType` of `UpdateUserSubReq`. */
export const SubscribeOperation = {
  SUBSCRIBE: 0,
  UNSUBSCRIBE: 1,
} as const;

/** `SubData.platformInfo`: the SDK's `Platform` enum. */
export const OnlinePlatform = {
  OTHER: 0,
  IOS: 1,
  ANDROID: 2,
  WEB: 3,
  PC: 4,
} as const;
export type OnlinePlatform = (typeof OnlinePlatform)[keyof typeof OnlinePlatform];

/** `SubData.value` for online status. */
export const OnlineValue = {
  OFFLINE: 0,
  ONLINE: 1,
} as const;

/** RongCloud's limits (the SDK's `subscribeUserStatus` documentation); the SDK checks the first and the expiry range itself. */
export const STATUS_SUBSCRIPTION_LIMITS = {
  /** Users named in one subscribe, unsubscribe or query. */
  perRequest: 200,
  /** Users one user may be subscribed to at once. */
  perSubscriber: 1000,
  /** Users who may be subscribed to one user at once. */
  perSubject: 5000,
  minExpirySeconds: 60,
  maxExpirySeconds: 2_592_000,
} as const;

/** The bit of navigation's `subDriven` that turns on the SDK's online status subscriptions. */
export const SUB_DRIVEN_ONLINE_STATUS = 1;
