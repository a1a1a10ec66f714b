/**
 * The token bucket a user's sends from clients take from (`--user-send-rate` a second, a burst of
 * twice that): messages, and the edits that reach as many devices as a message does.
 */
export function sendBucketKey(appKey: string, userId: string): string {
  return `send:${appKey}:${userId}`;
}
