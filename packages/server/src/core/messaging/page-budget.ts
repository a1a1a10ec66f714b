import type { StoredMessage } from '../../store/store.js';

/**
 * Bytes of messages one pull or history answer carries at most. A page of 200 entries of
 * 128 KiB each would be 25 MiB, past the 8 MiB a connection may have waiting to be sent, so a client
 * that asked for a few pages at once got cut off; pages are sized by bytes as well as by count.
 */
export const PAGE_CONTENT_BUDGET_BYTES = 512 * 1024;

/**
 * A message's share of a page: every part that can be large (its content, its expansion, the users a
 * directed message names, each with its field's framing), plus room for the fixed fields around them.
 */
export function pageBytesOf(message: StoredMessage): number {
  let bytes = Buffer.byteLength(message.content) + Buffer.byteLength(message.objectName) + 128;
  if (message.expansion !== undefined) bytes += Buffer.byteLength(message.expansion);
  for (const userId of message.toUserIds ?? []) bytes += Buffer.byteLength(userId) + 2;
  return bytes;
}

/**
 * The longest prefix of `items` that fits in `budget`, and at least the first item, so that a page
 * always moves the reader forward however large one message is.
 */
export function prefixWithin<T>(items: readonly T[], sizeOf: (item: T) => number, budget: number): T[] {
  let used = 0;
  let end = 0;
  while (end < items.length) {
    used += sizeOf(items[end] as T);
    if (used > budget && end > 0) break;
    end++;
  }
  return items.slice(0, end);
}
