import type { InboxEntry } from '../store.js';

interface Tail {
  /** Every entry of the inbox with a cursor above this one is in `entries`. */
  coveredAfter: number;
  entries: InboxEntry[];
  /** Entries of messages sent at or before this instant are not kept (see forget); 0 when none. */
  keepSentAfter: number;
}

/**
 * The newest entries of recently written inboxes, kept in memory so that the pull a notice triggers
 * a moment after a write is answered without a query. Only the single-node backend can keep one: it
 * sees every write. A tail answers a pull only when it holds everything after the pull's cursor.
 */
export class InboxTail {
  private readonly tails = new Map<string, Tail>();
  /** An estimate of the memory the entries hold; a message shared by several inboxes counts in each. */
  private bytes = 0;

  constructor(
    private readonly maxPerInbox = 64,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** Adds an entry just written; `previousCursor` is the inbox's last cursor before it. */
  record(appKey: string, userId: string, previousCursor: number, entry: InboxEntry): void {
    const key = `${appKey}\n${userId}`;
    const tail = this.tails.get(key);
    // Re-inserting keeps the map in order of last write, so eviction drops the stalest inboxes.
    this.tails.delete(key);
    const keepSentAfter = tail?.keepSentAfter ?? 0;
    if (entry.message.sentTime <= keepSentAfter) {
      if (tail) this.bytes -= sizeOfAll(tail);
      this.blind(key, keepSentAfter);
      return;
    }
    if (tail && tail.entries.at(-1)?.cursor === previousCursor) {
      tail.entries.push(entry);
      if (tail.entries.length > this.maxPerInbox) {
        const dropped = tail.entries.shift() as InboxEntry;
        tail.coveredAfter = dropped.cursor;
        this.bytes -= sizeOf(dropped);
      }
      this.tails.set(key, tail);
    } else {
      if (tail) this.bytes -= sizeOfAll(tail);
      this.tails.set(key, { coveredAfter: previousCursor, entries: [entry], keepSentAfter });
    }
    this.bytes += sizeOf(entry);
    this.evict();
  }

  /** Entries after `afterCursor`, oldest first, or undefined when the tail does not cover them. */
  read(appKey: string, userId: string, afterCursor: number, limit: number): InboxEntry[] | undefined {
    const tail = this.tails.get(`${appKey}\n${userId}`);
    if (!tail || afterCursor < tail.coveredAfter) return undefined;
    const first = tail.entries.findIndex((e) => e.cursor > afterCursor);
    return first === -1 ? [] : tail.entries.slice(first, first + limit);
  }

  /** Puts a changed message's new state in place wherever these inboxes' tails hold it. */
  replace(appKey: string, places: readonly { userId: string; cursor: number }[], message: InboxEntry['message']): void {
    for (const { userId, cursor } of places) {
      const entry = this.tails.get(`${appKey}\n${userId}`)?.entries.find((e) => e.cursor === cursor);
      if (!entry) continue;
      this.bytes += sizeOf({ ...entry, message }) - sizeOf(entry);
      entry.message = message;
    }
  }

  /**
   * Stops answering the user's pulls from memory once some of what it holds is hidden from them
   * (DeletionRepository). A clear through `clearedThrough` also covers messages sent before it whose
   * write is still under way: entries of those that come later are not kept either, and the
   * database, which hides them, answers until a message sent after it comes.
   */
  forget(appKey: string, userId: string, clearedThrough = 0): void {
    const key = `${appKey}\n${userId}`;
    const tail = this.tails.get(key);
    if (tail) {
      this.tails.delete(key);
      this.bytes -= sizeOfAll(tail);
    }
    const keepSentAfter = Math.max(tail?.keepSentAfter ?? 0, clearedThrough);
    if (keepSentAfter > 0) this.blind(key, keepSentAfter);
  }

  clear(): void {
    this.tails.clear();
    this.bytes = 0;
  }

  /** A tail that answers nothing and only remembers what not to keep. */
  private blind(key: string, keepSentAfter: number): void {
    const tail: Tail = { coveredAfter: Infinity, entries: [], keepSentAfter };
    this.tails.set(key, tail);
    this.bytes += sizeOfAll(tail);
    this.evict();
  }

  private evict(): void {
    for (const [key, tail] of this.tails) {
      if (this.bytes <= this.maxBytes) return;
      this.tails.delete(key);
      this.bytes -= sizeOfAll(tail);
    }
  }
}

/** An entry's share beside the parts that can be large: the rest of the message and the entry, roughly. */
const ENTRY_FIXED_BYTES = 400;
/** A string's share beside its characters, and its slot in the array that holds it. */
const STRING_FIXED_BYTES = 32;

/**
 * The parts that can be large count as what they hold (two bytes a character): the content (up to
 * 128 KiB), the expansion and the users a directed message names. The rest is a rough fixed share.
 */
function sizeOf(entry: InboxEntry): number {
  const { content, expansion, toUserIds = [] } = entry.message;
  let bytes = 2 * (content.length + (expansion?.length ?? 0)) + ENTRY_FIXED_BYTES;
  for (const userId of toUserIds) bytes += 2 * userId.length + STRING_FIXED_BYTES;
  return bytes;
}

/** A tail costs at least an entry's fixed share, so tails holding no entry count against the budget too. */
function sizeOfAll(tail: Tail): number {
  return Math.max(ENTRY_FIXED_BYTES, tail.entries.reduce((sum, e) => sum + sizeOf(e), 0));
}
