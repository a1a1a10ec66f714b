import { AckStatus, ConversationType, ReadStateMessageType, type GroupReadCount } from '@parley/protocol';
import type { Store } from '../../store/store.js';
import type { MessageService, Refusal } from './message-service.js';

/** Messages one receipt may name; the SDK sends all the UIDs a call names in one. */
export const MAX_RECEIPT_MESSAGES = 100;

export type ReadersResult = { ok: true; reached: number; readers: { userId: string; readTime: number }[] } | Refusal;

/**
 * Group read receipts (v2): members say which group messages they read; each message's sender
 * learns the count (an `RC:RRMsg`) and may ask who read it. Only a message's sender sees its
 * readers: who read what is the readers' data, shown to no one else.
 */
export class GroupReceiptService {
  constructor(
    private readonly store: Store,
    private readonly messages: Pick<MessageService, 'deliver'>,
    private readonly now: () => number,
  ) {}

  /**
   * Records that `readerId` read these messages of the group (their own ones are skipped). Every
   * UID must name a message of this group that the reader received, else nothing is recorded.
   * Idempotent: a message read again changes nothing and tells nobody.
   */
  async markRead(appKey: string, readerId: string, groupId: string, uids: readonly string[]): Promise<{ ok: true } | Refusal> {
    const unique = [...new Set(uids)];
    if (unique.length === 0 || unique.length > MAX_RECEIPT_MESSAGES) return refuse(AckStatus.PARAMETER_INVALID, `1-${MAX_RECEIPT_MESSAGES} message UIDs`);
    if (!(await this.store.groups.isMember(appKey, groupId, readerId))) return refuse(AckStatus.NOT_IN_GROUP, `not a member of group ${groupId}`);
    const received = await this.store.reads.receivedInGroup(appKey, readerId, groupId, unique);
    const missing = unique.find((uid) => !received.some((m) => m.uid === uid));
    if (missing !== undefined) return refuse(AckStatus.MESSAGE_UID_INVALID, `no message ${missing} of group ${groupId} reached ${readerId}`);
    const others = received.filter((m) => m.senderId !== readerId);
    if (others.length === 0) return { ok: true };
    const firstReads = await this.store.reads.recordGroupReads(
      appKey,
      readerId,
      others.map((m) => m.uid),
      this.now(),
    );
    for (const uid of firstReads) await this.tellSender(appKey, readerId, uid);
    return { ok: true };
  }

  /** Who read a group message, for its sender alone. */
  async readers(appKey: string, userId: string, groupId: string, uid: string): Promise<ReadersResult> {
    const found = await this.store.reads.groupReaders(appKey, uid);
    if (!found || found.groupId !== groupId) return refuse(AckStatus.MESSAGE_UID_INVALID, `no message ${uid} in group ${groupId}`);
    if (found.senderId !== userId) return refuse(AckStatus.NOT_MESSAGE_SENDER, 'only its sender sees who read a message');
    return { ok: true, reached: found.reached, readers: found.readers };
  }

  /** The sender's devices get the new count as an `RC:RRMsg` from the reader, through the sender's inbox alone. */
  private async tellSender(appKey: string, readerId: string, uid: string): Promise<void> {
    const found = await this.store.reads.groupReaders(appKey, uid);
    if (!found) return;
    const count: GroupReadCount = { msgId: uid, rrn: found.readers.length, tmn: found.reached };
    await this.messages.deliver({
      appKey,
      senderId: readerId,
      conversationType: ConversationType.GROUP,
      targetId: found.groupId,
      objectName: ReadStateMessageType.GROUP_READ_COUNT,
      content: JSON.stringify(count),
      recipients: [found.senderId],
    });
  }
}

function refuse(status: number, reason: string): Refusal {
  return { ok: false, status, reason };
}
