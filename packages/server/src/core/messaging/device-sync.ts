import { ChangeMessageType, MessageDirection } from '@parley/protocol';
import type { InboxEntry } from '../../store/store.js';

/**
 * What one device's connection has been sent, so that a change reaches each device once: a device
 * that gets a changed message in its final state (pulls and edit feeds always serve messages as
 * they stand) needs no word of the change besides.
 *
 * - A change command (a recall, an expansion update) in the inbox is for devices that had the
 *   changed message before. A run is the pages a device pulls one after another (`finished:
 *   false`), each from the cursor the last one returned. For a changed message the device had
 *   before the run, the command always goes. For one the run brought, it goes only when that
 *   message was served before the change: a recall when it was served unrecalled; an expansion
 *   update when it came in a later page than the message (a page is read at one instant, so a
 *   command within the page the message came in was already in it; one in a later page may or may
 *   not have been, and a repeated update changes nothing). A changed message the run did not bring
 *   (deleted, recalled with delete) gets no command. A sender's own message is not judged so (its
 *   sending device has it, whatever its cursor): its commands always go. (InboxEntry.changesCursor
 *   is set only for messages the inbox received.)
 * - An edit is left out of the device's edit feed when a pull already sent it that edit of the
 *   message (or a later one), or the device made it.
 */
export class DeviceSync {
  /** The cursor the current pull run started from: the device had everything up to it before. */
  private runStart = 0;
  /** Where the current run goes on, while it has pages left. */
  private runContinuesAt: number | undefined;
  /** Cursors of the received messages this run served unrecalled, up to `maxServed` of them. */
  private readonly servedUnrecalled = new Set<number>();
  /** The cursor of the first message the run served past `maxServed`: from there on nothing is known. */
  private unknownFrom: number | undefined;
  /** Where each page of the run ended, in order. */
  private readonly pageEnds: number[] = [];
  /** The edit time of each edited message this device was sent as edited, oldest first. */
  private readonly editsHeld = new Map<string, number>();

  /**
   * Bounds per connection: `maxEditsHeld` edits (the oldest are forgotten first) and `maxServed`
   * messages of one run (past them, commands for later ones always go).
   */
  constructor(
    private readonly maxEditsHeld = 1_000,
    private readonly maxServed = 5_000,
  ) {}

  /**
   * The entries of one pull page from `afterCursor` that this device is to get; `cursor` and
   * `finished` are the page's. A message recalled with delete is left out: its final state is none.
   */
  deliver(afterCursor: number, page: { entries: InboxEntry[]; cursor: number; finished: boolean }): InboxEntry[] {
    if (afterCursor !== this.runContinuesAt) this.startRun(afterCursor);
    this.runContinuesAt = page.finished ? undefined : page.cursor;
    this.pageEnds.push(page.cursor);
    const delivered: InboxEntry[] = [];
    for (const entry of page.entries) {
      if (entry.message.recall?.isDelete || !this.needsCommand(entry)) continue;
      delivered.push(entry);
      if (entry.direction === MessageDirection.RECEIVE && !entry.message.recall) this.recordServed(entry.cursor);
    }
    // The run is over: what it served is the device's from now on, whatever its next cursor.
    if (page.finished) this.startRun(page.cursor);
    for (const { message } of delivered) if (message.modifiedTime !== undefined) this.holdsEdit(message.uid, message.modifiedTime);
    return delivered;
  }

  /** Records that the device has the edit of `uid` made at `time` (sent to it, or made by it). */
  holdsEdit(uid: string, time: number): void {
    const held = Math.max(time, this.editsHeld.get(uid) ?? 0);
    this.editsHeld.delete(uid);
    // Forgetting the oldest only costs a device an edit it already has, sent once more.
    if (this.editsHeld.size >= this.maxEditsHeld) this.editsHeld.delete(this.editsHeld.keys().next().value as string);
    this.editsHeld.set(uid, held);
  }

  /** Whether the device still needs to hear of the edit of `uid` made at `time`. */
  needsEdit(uid: string, time: number): boolean {
    return (this.editsHeld.get(uid) ?? -1) < time;
  }

  private startRun(from: number): void {
    this.runStart = from;
    this.runContinuesAt = undefined;
    this.servedUnrecalled.clear();
    this.unknownFrom = undefined;
    this.pageEnds.length = 0;
  }

  /** Whether an entry goes to the device as far as changes go: anything but a command it needs no more. */
  private needsCommand({ cursor, message, changesCursor: target }: InboxEntry): boolean {
    if (target === undefined || target <= this.runStart) return true;
    // Served past what is remembered: the command goes, in case.
    if (this.unknownFrom !== undefined && target >= this.unknownFrom) return true;
    if (!this.servedUnrecalled.has(target)) return false;
    if (message.objectName === ChangeMessageType.RECALL_COMMAND) return true;
    return cursor > (this.pageEnds.find((end) => end >= target) ?? Infinity);
  }

  private recordServed(cursor: number): void {
    if (this.unknownFrom !== undefined) return;
    if (this.servedUnrecalled.size >= this.maxServed) this.unknownFrom = cursor;
    else this.servedUnrecalled.add(cursor);
  }
}
