/**
 * The delivery checker of the fault suite. A workload tells it what it sent (each message carries
 * `ck|<sender>|<conversation>|<seq>` in its text, unique per sender and conversation), what the
 * server acked, and what each recipient device's app saw. `verify()` then counts, per recipient
 * device:
 *
 * - lost: an acked message a device that should see it never saw;
 * - duplicated: a message a device saw more than once (by content, so a retried send stored twice
 *   under two UIDs counts too);
 * - reordered: a message seen after a later message of the same sender in the same conversation;
 * - phantom: something a device saw that was never sent, that came from someone other than its
 *   sender, under a UID other than the acked one, or in the wrong conversation.
 *
 * Messages that were sent but never acked may be delivered or not (a crash can eat the ack of a
 * stored message); they are never counted as lost, but still as duplicated or reordered.
 */

export type ConversationType = 1 | 3;

export interface DeliveredMessage {
  senderUserId: string;
  conversationType: number;
  /** The conversation as the recipient sees it: the sender for a private message, the group otherwise. */
  targetId: string;
  messageUId: string;
  /** The text of the RC:TxtMsg. */
  text: string;
}

export interface CheckReport {
  attempted: number;
  acked: number;
  /** Expected (acked message, recipient device) pairs. */
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  phantom: number;
  /** A few examples of each failure kind, for the assertion message. */
  examples: string[];
}

interface SentMessage {
  key: string;
  sender: string;
  conversationType: ConversationType;
  targetId: string;
  seq: number;
  uid?: string;
  acked: boolean;
}

const PREFIX = 'ck|';

export class DeliveryChecker {
  /** Devices expected to see every acked message to their user (fixed at `verify`). */
  private readonly devicesOf = new Map<string, Set<string>>();
  private readonly userOf = new Map<string, string>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly sent = new Map<string, SentMessage>();
  private readonly nextSeq = new Map<string, number>();
  /** device -> every delivery it saw, in order. */
  private readonly deliveries = new Map<string, { message: DeliveredMessage; key: string | undefined }[]>();

  /** A recipient device of `userId` whose deliveries are recorded; devices not added are not expected to see anything. */
  addDevice(userId: string, deviceId: string): void {
    const devices = this.devicesOf.get(userId) ?? new Set<string>();
    devices.add(deviceId);
    this.devicesOf.set(userId, devices);
    this.userOf.set(deviceId, userId);
    if (!this.deliveries.has(deviceId)) this.deliveries.set(deviceId, []);
  }

  /**
   * The device is no longer expected to see anything (kicked, logged out): what it saw is still
   * checked for duplicates, order and phantoms.
   */
  removeDevice(userId: string, deviceId: string): void {
    this.devicesOf.get(userId)?.delete(deviceId);
  }

  setGroup(groupId: string, members: string[]): void {
    this.groups.set(groupId, new Set(members));
  }

  /** Registers the next message of `sender` in a conversation and returns its text. */
  next(sender: string, conversationType: ConversationType, targetId: string): { key: string; text: string } {
    const conversation = `${conversationType}:${targetId}`;
    const counter = `${sender}>${conversation}`;
    const seq = (this.nextSeq.get(counter) ?? 0) + 1;
    this.nextSeq.set(counter, seq);
    const text = `${PREFIX}${sender}|${conversation}|${seq}`;
    this.sent.set(text, { key: text, sender, conversationType, targetId, seq, acked: false });
    return { key: text, text };
  }

  /** The server acked the message with this UID. */
  acked(key: string, messageUId: string): void {
    const message = this.sent.get(key);
    if (!message) throw new Error(`ack of a message never registered: ${key}`);
    message.acked = true;
    message.uid = messageUId;
  }

  /** A device's app saw these messages. Messages without the checker's prefix are ignored. */
  delivered(deviceId: string, messages: DeliveredMessage[]): void {
    const list = this.deliveries.get(deviceId);
    if (!list) throw new Error(`delivery to a device never added: ${deviceId}`);
    for (const message of messages) {
      if (!message.text.startsWith(PREFIX)) continue;
      list.push({ message, key: this.sent.has(message.text) ? message.text : undefined });
    }
  }

  get ackedCount(): number {
    let n = 0;
    for (const m of this.sent.values()) if (m.acked) n++;
    return n;
  }

  /** How many (acked message, device) pairs have been seen so far: for polling until quiet. */
  get deliveredCount(): number {
    let n = 0;
    for (const list of this.deliveries.values()) n += list.length;
    return n;
  }

  /** True when every acked message has reached every device that should see it. */
  complete(): boolean {
    const r = this.verify();
    return r.lost === 0;
  }

  verify(): CheckReport {
    const examples: string[] = [];
    const example = (s: string) => {
      if (examples.length < 20) examples.push(s);
    };
    let expectedDeliveries = 0;
    let delivered = 0;
    let duplicated = 0;
    let reordered = 0;
    let phantom = 0;
    let lost = 0;
    const seenBy = new Map<string, Set<string>>();
    for (const [deviceId, list] of this.deliveries) {
      const seen = new Set<string>();
      seenBy.set(deviceId, seen);
      const lastSeq = new Map<string, number>();
      const userOfDevice = this.userOf.get(deviceId);
      for (const { message, key } of list) {
        delivered++;
        const sent = key === undefined ? undefined : this.sent.get(key);
        if (!sent) {
          phantom++;
          example(`phantom at ${deviceId}: never sent: ${message.text} (${message.messageUId})`);
          continue;
        }
        const expectedTarget = sent.conversationType === 1 ? sent.sender : sent.targetId;
        if (message.senderUserId !== sent.sender || message.conversationType !== sent.conversationType || message.targetId !== expectedTarget) {
          phantom++;
          example(`phantom at ${deviceId}: ${message.text} arrived as from ${message.senderUserId} in ${message.conversationType}:${message.targetId}`);
          continue;
        }
        if (sent.conversationType === 1 && userOfDevice !== undefined && sent.targetId !== userOfDevice) {
          phantom++;
          example(`phantom at ${deviceId}: ${message.text} was for ${sent.targetId}, not ${userOfDevice}`);
          continue;
        }
        if (sent.uid !== undefined && message.messageUId !== sent.uid) {
          phantom++;
          example(`phantom at ${deviceId}: ${message.text} arrived as ${message.messageUId}, acked as ${sent.uid}`);
          continue;
        }
        if (seen.has(sent.key)) {
          duplicated++;
          example(`duplicated at ${deviceId}: ${sent.key} (${message.messageUId})`);
          continue;
        }
        seen.add(sent.key);
        const stream = `${sent.sender}>${sent.conversationType}:${sent.targetId}`;
        const last = lastSeq.get(stream) ?? 0;
        if (sent.seq < last) {
          reordered++;
          example(`reordered at ${deviceId}: ${sent.key} after seq ${last}`);
        } else lastSeq.set(stream, sent.seq);
      }
    }
    let attempted = 0;
    let acked = 0;
    for (const message of this.sent.values()) {
      attempted++;
      if (!message.acked) continue;
      acked++;
      for (const deviceId of this.recipientDevices(message)) {
        expectedDeliveries++;
        if (!seenBy.get(deviceId)?.has(message.key)) {
          lost++;
          example(`lost at ${deviceId}: ${message.key} (${message.uid})`);
        }
      }
    }
    return { attempted, acked, expectedDeliveries, delivered, lost, duplicated, reordered, phantom, examples };
  }

  private recipientDevices(message: SentMessage): string[] {
    // Every device of a recipient, including one that logged in later: a new device syncs the inbox
    // from the start of its retention.
    const users = message.conversationType === 1 ? [message.targetId] : [...(this.groups.get(message.targetId) ?? [])].filter((u) => u !== message.sender);
    return users.flatMap((u) => [...(this.devicesOf.get(u) ?? [])]);
  }
}

/** The figures of one test, for the suite's summary line and docs/reliability.md. */
export function summarize(name: string, report: CheckReport, faults: number): string {
  return `[faults] ${name}: faults=${faults} attempted=${report.attempted} acked=${report.acked} expected=${report.expectedDeliveries} delivered=${report.delivered} lost=${report.lost} duplicated=${report.duplicated} reordered=${report.reordered} phantom=${report.phantom}`;
}

/**
 * The change checker of the fault suite: recalls and edits, one per message, as each device's app
 * is told of them. A device is told of an acked change exactly once: either its first sight of the
 * message is already the changed one, or it saw the message before and then gets one change event.
 * `verify()` also reads each device's local database, which must hold the final state.
 */
export interface ChangeReport {
  attempted: number;
  acked: number;
  /** (acked change, device that saw its message) pairs checked. */
  checked: number;
  lost: number;
  duplicated: number;
  inconsistent: number;
  examples: string[];
}

/** How a message reads for the checker: `recalled`, or its text. */
export type MessageState = string;

export class ChangeChecker {
  private readonly changes = new Map<string, { final: MessageState; acked: boolean }>();
  /** device -> uid -> its first state as told, and the change events told. */
  private readonly told = new Map<string, Map<string, { first: MessageState | undefined; events: MessageState[] }>>();

  /** A change of `uid` is about to be made; the message then reads `final`. */
  attempted(uid: string, final: MessageState): void {
    this.changes.set(uid, { final, acked: false });
  }

  acked(uid: string): void {
    const change = this.changes.get(uid);
    if (!change) throw new Error(`ack of a change never attempted: ${uid}`);
    change.acked = true;
  }

  /** A device's app got these messages (new to it). */
  sawMessages(deviceId: string, messages: { uid: string; state: MessageState }[]): void {
    for (const { uid, state } of messages) {
      const record = this.recordOf(deviceId, uid);
      record.first ??= state;
    }
  }

  /** A device's app was told these messages changed. */
  sawChanges(deviceId: string, messages: { uid: string; state: MessageState }[]): void {
    for (const { uid, state } of messages) this.recordOf(deviceId, uid).events.push(state);
  }

  /** `stateAt` reads a message from a device's local database. */
  async verify(stateAt: (deviceId: string, uid: string) => Promise<MessageState | undefined>): Promise<ChangeReport> {
    const report: ChangeReport = { attempted: this.changes.size, acked: 0, checked: 0, lost: 0, duplicated: 0, inconsistent: 0, examples: [] };
    const example = (s: string) => {
      if (report.examples.length < 20) report.examples.push(s);
    };
    for (const [uid, change] of this.changes) {
      if (change.acked) report.acked++;
      for (const [deviceId, records] of this.told) {
        const record = records.get(uid);
        if (!record || record.first === undefined) continue;
        const times = (record.first === change.final ? 1 : 0) + record.events.filter((s) => s === change.final).length;
        if (times > 1) {
          report.duplicated++;
          example(`duplicated at ${deviceId}: ${uid} told ${times} times (first ${record.first}, events ${record.events.join(',')})`);
        }
        if (!change.acked) continue;
        report.checked++;
        if (times === 0) {
          report.lost++;
          example(`lost at ${deviceId}: ${uid} never told ${change.final}`);
        }
        const stored = await stateAt(deviceId, uid);
        if (stored !== change.final) {
          report.inconsistent++;
          example(`inconsistent at ${deviceId}: ${uid} stored as ${stored}, final ${change.final}`);
        }
      }
    }
    return report;
  }

  private recordOf(deviceId: string, uid: string) {
    const records = this.told.get(deviceId) ?? new Map<string, { first: MessageState | undefined; events: MessageState[] }>();
    this.told.set(deviceId, records);
    const record = records.get(uid) ?? { first: undefined, events: [] };
    records.set(uid, record);
    return record;
  }
}
