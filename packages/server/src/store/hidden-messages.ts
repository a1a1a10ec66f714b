/**
 * The conditions that keep what a user deleted or cleared (DeletionRepository, migration 9), and
 * what its sender recalled with delete for everyone (migration 7), out of every read made for that
 * user, written once for both backends. Arguments are SQL expressions: a
 * column of the query, or a parameter in the backend's own syntax.
 *
 * What they cost: a deleted message is one row keyed (message, user), so checking a message is one
 * probe of that key, however many messages the user deleted; a clear is one row per user and
 * conversation, so reading one conversation turns it into a lower bound on sent times (an index
 * range, not a filter), and reads across conversations probe it once per row.
 */

/** Message `m` (a table alias) is not one `userId` deleted. */
export function notDeletedBy(m: string, userId: string): string {
  return `NOT EXISTS (SELECT 1 FROM deleted_messages dm WHERE dm.message_seq = ${m}.seq AND dm.user_id = ${userId})`;
}

/** Message `m` was not recalled with delete: that leaves it to no one. */
export function notRecalledWithDelete(m: string): string {
  return `${m}.recall_deleted = 0`;
}

/** Message `m` is not in a stretch of its conversation that `userId` of `appKey` cleared. */
export function notClearedBy(m: string, appKey: string, userId: string): string {
  return `NOT EXISTS (SELECT 1 FROM cleared_conversations cc WHERE cc.app_key = ${appKey} AND cc.user_id = ${userId}
    AND cc.conversation_key = ${m}.conversation_key AND cc.cleared_through >= ${m}.sent_time)`;
}

/** Message `m` is neither recalled with delete, nor deleted or cleared by `userId` of `appKey`: for reads across conversations. */
export function visibleTo(m: string, appKey: string, userId: string): string {
  return `${notRecalledWithDelete(m)} AND ${notDeletedBy(m, userId)} AND ${notClearedBy(m, appKey, userId)}`;
}

/**
 * The instant through which `userId` cleared one conversation (-1 when never): messages of it sent
 * after this are the ones left. Uncorrelated, so a query bounds its index range with it.
 */
export function clearedThrough(appKey: string, userId: string, conversationKey: string): string {
  return `COALESCE((SELECT cleared_through FROM cleared_conversations WHERE app_key = ${appKey} AND user_id = ${userId}
    AND conversation_key = ${conversationKey}), -1)`;
}

/** For reads of one conversation (history, its newest message left), with notRecalledWithDelete where it shows messages. */
export function visibleInConversation(m: string, appKey: string, userId: string, conversationKey: string): string {
  return `${m}.sent_time > ${clearedThrough(appKey, userId, conversationKey)} AND ${notDeletedBy(m, userId)}`;
}
