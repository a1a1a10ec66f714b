import type { InboxEntry } from '../store.js';

interface Tail {
  /** Every entry of the inbox with a cursor above this one is in `entries`. */
  coveredAfter: number;
  entries: InboxEntry[];
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
      this.tails.set(key, { coveredAfter: previousCursor, entries: [entry] });
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

  clear(): void {
    this.tails.clear();
    this.bytes = 0;
  }

  private evict(): void {
    for (const [key, tail] of this.tails) {
      if (this.bytes <= this.maxBytes) return;
      this.tails.delete(key);
      this.bytes -= sizeOfAll(tail);
    }
  }
}

/** Content dominates (up to 128 KiB a message); the rest is a rough fixed share. */
function sizeOf(entry: InboxEntry): number {
  return 2 * entry.message.content.length + 400;
}

function sizeOfAll(tail: Tail): number {
  return tail.entries.reduce((sum, e) => sum + sizeOf(e), 0);
}
