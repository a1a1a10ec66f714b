import { AckStatus, cleanTopicFor, encodePayload, Topic } from '@parley/protocol';
import type { RmtpSession } from '../connection/rmtp-session.js';
import type { UserStore } from '../store/local-store.js';
import type { Message } from './message.js';

/**
 * Deleting messages and clearing history for the current user alone (the official SDK's
 * `deleteMessages` and `clearHistoryMessages`): first on the server, which from then on serves them
 * to none of the user's devices, new ones included; then in this database. Each resolves with the
 * server's status, and removes nothing locally unless it is 0.
 */
export class MessageDeletion {
  constructor(
    private readonly session: RmtpSession,
    private readonly store: UserStore,
    private readonly userId: string,
  ) {}

  async deleteMessages(conversationType: number, targetId: string, messages: readonly Pick<Message, 'messageUId' | 'sentTime' | 'messageDirection'>[]): Promise<number> {
    const msgs = messages.map((m) => ({ msgId: m.messageUId, msgDataTime: m.sentTime, direct: m.messageDirection }));
    const answer = await this.session.query(Topic.delMsg, this.userId, encodePayload('DeleteMsgInput', { type: conversationType, conversationId: targetId, msgs }));
    if (answer.status === AckStatus.SUCCESS) await this.store.removeMessages({ messageUIds: messages.map((m) => m.messageUId) });
    return answer.status;
  }

  /** `through` in ms, inclusive; 0 clears all of it. */
  async clearHistory(conversationType: number, targetId: string, through: number): Promise<number> {
    const topic = cleanTopicFor(conversationType);
    if (!topic) return AckStatus.PARAMETER_INVALID;
    const answer = await this.session.query(topic, this.userId, encodePayload('CleanHisMsgInput', { targetId, dataTime: through, conversationType }));
    if (answer.status === AckStatus.SUCCESS) await this.store.removeMessages({ conversationType, targetId, through });
    return answer.status;
  }
}
