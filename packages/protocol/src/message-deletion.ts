/**
 * Deleting messages and clearing history for one user (`delMsg`, the `clean*Msg` topics of
 * topics.ts, `cleanMsgBatch`), as the official SDKs send them (`@rongcloud/engine` 5.38
 * `deleteRemoteMessage`, `deleteRemoteMessageByTimestamp`, `batchClearRemoteHistoryMessages`; the
 * native stack sends the same topics with an empty frame target).
 */

/** Messages one `delMsg` names at most: the SDK refuses more (34206). */
export const MAX_DELETED_MESSAGES = 100;

/** Conversations one `cleanMsgBatch` clears at most: the SDK refuses more (34288). */
export const MAX_CLEARED_CONVERSATIONS = 20;

/**
 * What `dataTime` 0 means in a clear: everything, as the SDK itself reads it when it drops a
 * conversation's latest message after a clear (`0===t||s.sentTime<=t`).
 */
export const CLEAR_EVERYTHING = 0;
