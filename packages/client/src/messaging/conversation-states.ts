import { AckStatus, ConversationStateType, decodePayload, encodePayload, Topic, type SessionState } from '@parley/protocol';
import type { RmtpSession } from '../connection/rmtp-session.js';
import type { LocalConversationState, LocalMessage, UserStore } from '../store/local-store.js';
import { fromDownStream } from './wire-messages.js';

/** Pages one sync reads at most: the server pages its answer, and a sync must end. */
const MAX_SYNC_PAGES = 100;
/** The most conversations the server's list gives in one page (gateway/topics/conversations.ts). */
const LIST_PAGE_SIZE = 1000;

/** What a change sets of a conversation's state; the rest stays. */
export type ConversationStateUpdate = Partial<Pick<LocalConversationState, 'isTop' | 'notificationLevel'>>;

/**
 * Conversation states kept by the server (the official SDK's `setConversationToTop`,
 * `setConversationNotificationLevel`, `removeConversation`): each change is made on the server
 * first, which syncs it to the user's other devices (an `s_cmd` 3, then `pullSeAtts`), and to new
 * ones at connect; then in this database. Each resolves with the server's status.
 */
export class ConversationStates {
  /** One sync at a time: a notice during a sync asks for one more after it. */
  private syncing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: UserStore,
    private readonly userId: string,
    private readonly onChanged: (states: LocalConversationState[]) => void,
  ) {}

  /** Pulls the states changed after this database's version (all of them on a new device). */
  sync(session: RmtpSession): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.again = false;
          await this.pull(session);
        } while (this.again);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private async pull(session: RmtpSession): Promise<void> {
    for (let page = 0; page < MAX_SYNC_PAGES; page++) {
      const { version } = await this.store.getConversationStates();
      const answer = await session.query(Topic.pullSeAtts, this.userId, encodePayload('SessionReq', { time: version }));
      if (answer.status !== AckStatus.SUCCESS) return;
      const { state } = decodePayload('SessionStates', answer.payload);
      if (state.length === 0) return;
      const states = await this.merged(state.map((s) => ({ conversationType: s.type, targetId: s.channelId, ...updateOf(s) })));
      await this.store.saveConversationStates(states, Math.max(version, ...state.map((s) => s.time ?? 0)));
      this.onChanged(states);
    }
  }

  async set(session: RmtpSession, conversationType: number, targetId: string, update: ConversationStateUpdate): Promise<number> {
    const { version } = await this.store.getConversationStates();
    const stateItem = [
      ...(update.isTop === undefined ? [] : [{ sessionStateType: ConversationStateType.IS_TOP, value: update.isTop ? '1' : '0', tags: [] }]),
      ...(update.notificationLevel === undefined ? [] : [{ sessionStateType: ConversationStateType.NOTIFICATION_LEVEL, value: String(update.notificationLevel), tags: [] }]),
    ];
    const request = encodePayload('SessionStateModifyReq', { version, state: [{ type: conversationType, channelId: targetId, stateItem }], ignoreVersion: true });
    const answer = await session.query(Topic.setSeAtt, this.userId, request);
    if (answer.status !== AckStatus.SUCCESS) return answer.status;
    const result = decodePayload('SessionStateModifyResp', answer.payload);
    const states = await this.merged([{ conversationType, targetId, ...update }]);
    // A device that missed earlier changes keeps its version, and the server's notice brings them.
    await this.store.saveConversationStates(states, result.updateVersion ? result.version : version);
    return AckStatus.SUCCESS;
  }

  /** Removes the conversation from the user's list on the server, then here; its messages stay. */
  async remove(session: RmtpSession, conversationType: number, targetId: string): Promise<number> {
    const answer = await session.query(Topic.delRelationBatch, this.userId, encodePayload('RelationDelBatchReq', { relation: [{ conversationType, conversationId: targetId }] }));
    if (answer.status === AckStatus.SUCCESS) await this.store.removeConversation(conversationType, targetId);
    return answer.status;
  }

  /** The conversation's latest message as the server has it (`qryRLBatch`), stored here; undefined when it is not in the user's list. */
  async fetchLatest(session: RmtpSession, conversationType: number, targetId: string): Promise<{ status: number; latest?: LocalMessage }> {
    const answer = await session.query(Topic.qryRLBatch, this.userId, encodePayload('RelationDelBatchReq', { relation: [{ conversationType, conversationId: targetId }] }));
    if (answer.status !== AckStatus.SUCCESS) return { status: answer.status };
    const found = decodePayload('RelationsOutput', answer.payload).info.find((i) => i.type === conversationType && i.userId === targetId);
    if (!found?.msg) return { status: AckStatus.SUCCESS };
    const latest = { ...fromDownStream(found.msg, this.userId), conversationType, targetId };
    await this.store.saveMessages([latest]);
    return { status: AckStatus.SUCCESS, latest };
  }

  /**
   * On a new device, whose first sync pulled the whole inbox: drops the conversations the user
   * removed (they are out of the server's list, their messages are not). Only when the server's list
   * came whole in one page; otherwise nothing is dropped, as a conversation left out of a partial
   * list may still be the user's. The list speaks only for what the server held when it read it: a
   * conversation whose latest message had not reached the server before the question (still being
   * sent), or came after it (a send the app made meanwhile, a sync), is kept, as the server lists it
   * once that message is stored.
   */
  async trimToServerList(session: RmtpSession): Promise<void> {
    const asked = new Map((await this.store.getConversations()).map((c) => [`${c.conversationType}\n${c.targetId}`, c.latestMessage]));
    const answer = await session.query(Topic.qryRelationR, this.userId, encodePayload('RelationQryInput', { count: LIST_PAGE_SIZE, startTime: 0 }));
    if (answer.status !== AckStatus.SUCCESS) return;
    const list = decodePayload('RelationsOutput', answer.payload);
    if (list.isFinished !== true) return;
    const listed = new Set(list.info.map((i) => `${i.type}\n${i.userId}`));
    for (const c of await this.store.getConversations()) {
      const key = `${c.conversationType}\n${c.targetId}`;
      const before = asked.get(key);
      // Only a message with its UID was on the server when the question left.
      const answered = before !== undefined && before.messageUId !== '' && before.messageUId === c.latestMessage.messageUId;
      if (answered && !listed.has(key)) await this.store.removeConversation(c.conversationType, c.targetId);
    }
  }

  /** The updates applied to what this database holds of each conversation. */
  private async merged(updates: (Pick<LocalConversationState, 'conversationType' | 'targetId'> & ConversationStateUpdate)[]): Promise<LocalConversationState[]> {
    const { states } = await this.store.getConversationStates();
    return updates.map((u) => {
      const current = states.find((s) => s.conversationType === u.conversationType && s.targetId === u.targetId);
      return {
        conversationType: u.conversationType,
        targetId: u.targetId,
        isTop: u.isTop ?? current?.isTop ?? false,
        notificationLevel: u.notificationLevel ?? current?.notificationLevel ?? 0,
      };
    });
  }
}

/** What one synced state sets. */
function updateOf(state: SessionState): ConversationStateUpdate {
  const update: ConversationStateUpdate = {};
  for (const item of state.stateItem) {
    if (item.sessionStateType === ConversationStateType.IS_TOP) update.isTop = item.value === '1';
    if (item.sessionStateType === ConversationStateType.NOTIFICATION_LEVEL && /^-?\d{1,2}$/.test(item.value)) update.notificationLevel = Number(item.value);
  }
  return update;
}
