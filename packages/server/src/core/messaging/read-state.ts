import { AckStatus, ChangeMessageType, ConversationType, MessageDirection, MessageFlag, NotifyType, parseRecallCommand } from '@parley/protocol';
import type { Bus } from '../../bus/bus.js';
import type { ConversationRef, InboxEntry, MembershipPeriod, ReadPosition, SentTimeWindow, Store, UnreadMessages } from '../../store/store.js';
import { conversationKey } from './conversation-key.js';
import type { Refusal } from './message-service.js';

/** Conversations per page of an unread sync; the SDKs ask again with the page token while one comes back. */
export const UNREAD_PAGE_SIZE = 100;

/**
 * The newest messages after a read position that one conversation's count looks at: a count stops
 * there (apps show "99+" long before), so a page of an unread sync reads at most
 * UNREAD_PAGE_SIZE × this many index entries, whatever the backlog.
 */
export const UNREAD_SCAN_LIMIT = 1000;

/** A user's unread state in one conversation, as the SDKs' server-side unread sync reads it (`UnreadInfo`). */
export interface ConversationUnread extends ConversationRef {
  /** Orders the changes of the user's read positions; 0 when never marked. */
  version: number;
  count: number;
  /** Unread messages that mention the user: everyone, or them by name. */
  mentionCount: number;
  /** Unread messages that mention the user by name. */
  mentionMeCount: number;
  /** The read position: messages sent up to it are read. */
  readTime: number;
  /**
   * The instant `count` accounts for: the SDK adds on top only messages it receives that were sent
   * after it (the Web SDK's `cutOffTime`, its conversation's `version`).
   */
  countedUpTo: number;
  firstUnread: UnreadMessages['first'];
}

export interface UnreadPage {
  conversations: ConversationUnread[];
  /** Where the next page starts; undefined on the last page. */
  nextPageToken: string | undefined;
}

/**
 * Server-side unread: each user's read position per conversation, and the unread counted from it.
 * A position only moves forward; each move gets a version, and the user's online devices (but the
 * one that moved it) are told with an `s_cmd` to sync (NotifyType.SERVER_UNREAD).
 */
export class ReadStateService {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly now: () => number,
  ) {}

  /**
   * Marks the conversation read up to `readTime` for the user (never beyond now: a device's clock
   * must not mark messages yet to come). Only a conversation the user has: a group they are in, or
   * one in their conversation list (a group they left keeps its unread). Retries change nothing
   * and tell nobody.
   */
  async markRead(appKey: string, userId: string, conversation: ConversationRef, readTime: number, exceptSessionId?: string): Promise<{ ok: true } | Refusal> {
    const isGroup = conversation.conversationType === ConversationType.GROUP;
    const member = isGroup && (await this.store.groups.isMember(appKey, conversation.targetId, userId));
    const now = this.now();
    const outcome = await this.store.reads.markRead(appKey, userId, conversation, Math.min(readTime, now), now, !member);
    if (outcome.kind === 'no-conversation') {
      return isGroup ? refuse(AckStatus.NOT_IN_GROUP, `not a member of group ${conversation.targetId}`) : refuse(AckStatus.PARAMETER_INVALID, `no conversation with ${conversation.targetId}`);
    }
    if (outcome.kind === 'moved') await this.announce(appKey, userId, outcome.version, exceptSessionId);
    return { ok: true };
  }

  /**
   * Makes a change to the user's unread that moves no read position (what they delete or clear no
   * longer counts), then tells their devices, so that an incremental sync picks the new counts up:
   * the positions get their new version first, so the sync the notice starts finds them.
   */
  async changingUnread<T>(appKey: string, userId: string, conversations: ConversationRef[], change: () => Promise<T>): Promise<T> {
    const version = await this.store.reads.touch(appKey, userId, conversations, this.now());
    const result = await change();
    await this.announce(appKey, userId, version);
    return result;
  }

  /**
   * Of the entries of a pull page, the recall commands that lower the viewer's unread count: the
   * recalled message counted for them (received, counted) and was newer than their read position.
   * The Web SDK lowers its count for those alone (RECALL_LOWERS_UNREAD), and only for recalls made
   * after the count it last synced (whose `countedUpTo` covers the recalls made before).
   */
  async recallsLoweringUnread(appKey: string, viewer: string, entries: readonly InboxEntry[]): Promise<Set<string>> {
    const lowering = new Set<string>();
    const readTimes = new Map<string, number>();
    for (const { message, direction } of entries) {
      if (message.objectName !== ChangeMessageType.RECALL_COMMAND || direction !== MessageDirection.RECEIVE) continue;
      const uid = parseRecallCommand(message.content)?.messageUId;
      const original = uid === undefined ? undefined : await this.store.messageChanges.find(appKey, uid);
      if (!original || original.senderId === viewer || (original.flags & MessageFlag.COUNTED) === 0) continue;
      const conversation: ConversationRef = { conversationType: original.conversationType, targetId: original.conversationType === ConversationType.GROUP ? original.targetId : original.senderId };
      const key = `${conversation.conversationType}\n${conversation.targetId}`;
      const readTime = readTimes.get(key) ?? (await this.store.reads.readTime(appKey, viewer, conversation));
      readTimes.set(key, readTime);
      if (original.sentTime > readTime) lowering.add(message.uid);
    }
    return lowering;
  }

  /** The position is stored: a lost notice only delays the other devices until their next sync. */
  private async announce(appKey: string, userId: string, version: number, exceptSessionId?: string): Promise<void> {
    await this.bus
      .publish({ kind: 'command', appKey, userIds: [userId], notifyType: NotifyType.SERVER_UNREAD, time: version, exceptSessionId })
      .catch(() => undefined);
  }

  /**
   * A page of the user's unread state: with `version` 0 every conversation of theirs; otherwise
   * those whose read position changed at that version or later (what an `s_cmd` announced).
   */
  async unread(appKey: string, userId: string, version: number, pageToken: string | undefined): Promise<UnreadPage> {
    const after = parsePageToken(pageToken);
    const positions =
      version > 0
        ? await this.store.reads.changedSince(appKey, userId, version, after, UNREAD_PAGE_SIZE)
        : await this.store.reads.positions(appKey, userId, after, UNREAD_PAGE_SIZE);
    const conversations: ConversationUnread[] = [];
    for (const position of positions) conversations.push(await this.unreadOf(appKey, userId, position));
    const last = positions.at(-1);
    return { conversations, nextPageToken: positions.length === UNREAD_PAGE_SIZE && last ? pageTokenOf(last) : undefined };
  }

  private async unreadOf(appKey: string, userId: string, position: ReadPosition): Promise<ConversationUnread> {
    const { conversationType, targetId, readTime } = position;
    const key = conversationKey(conversationType, userId, targetId);
    const periods = conversationType === ConversationType.GROUP ? await this.store.groups.periods(appKey, targetId, userId) : undefined;
    const window = unreadWindow(readTime, periods);
    const unread: UnreadMessages = window
      ? await this.store.reads.unread(appKey, userId, key, window, UNREAD_SCAN_LIMIT, conversationType === ConversationType.SYSTEM ? targetId : undefined)
      : { count: 0, mentionCount: 0, mentionMeCount: 0, first: undefined, newest: 0 };
    return {
      ...position,
      count: unread.count,
      mentionCount: unread.mentionCount,
      mentionMeCount: unread.mentionMeCount,
      countedUpTo: Math.max(readTime, unread.newest),
      firstUnread: unread.first,
    };
  }
}

/**
 * The sent times whose messages can be unread: after the read position, and for a group within the
 * user's latest membership (earlier memberships' messages count as read); undefined when none can.
 */
export function unreadWindow(readTime: number, groupPeriods: readonly MembershipPeriod[] | undefined): SentTimeWindow | undefined {
  // Sent times are whole milliseconds: unread starts just after the read position.
  if (groupPeriods === undefined) return { from: readTime + 1, to: undefined };
  const latest = groupPeriods.at(-1);
  if (!latest) return undefined;
  const window = { from: Math.max(readTime + 1, latest.joinedAt), to: latest.leftAt };
  return window.to === undefined || window.from < window.to ? window : undefined;
}

/** A page token names the last position of the page before; clients hand it back unread. */
export function pageTokenOf(position: ReadPosition): string {
  return JSON.stringify([position.conversationType, position.targetId, position.version]);
}

/** The position a page token names; undefined for none or one this server did not make (the first page then). */
export function parsePageToken(token: string | undefined): ReadPosition | undefined {
  if (!token) return undefined;
  try {
    const value: unknown = JSON.parse(token);
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [conversationType, targetId, version] = value as unknown[];
    if (conversationType !== ConversationType.PRIVATE && conversationType !== ConversationType.GROUP && conversationType !== ConversationType.SYSTEM) return undefined;
    if (typeof targetId !== 'string' || typeof version !== 'number') return undefined;
    return { conversationType, targetId, version, readTime: 0 };
  } catch {
    return undefined;
  }
}

function refuse(status: number, reason: string): Refusal {
  return { ok: false, status, reason };
}
