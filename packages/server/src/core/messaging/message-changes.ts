import {
  AckStatus,
  ChangeMessageType,
  ConversationType,
  MAX_MESSAGE_CONTENT_BYTES,
  MessageFlag,
  NotifyType,
  parseExpansionMap,
  parseJsonObject,
  parseExpansionUpdate,
  parseRecallCommand,
  parseSentExpansion,
  type ExpansionMap,
} from '@parley/protocol';
import type { Bus } from '../../bus/bus.js';
import type { ChangeOutcome, Store, StoredMessage } from '../../store/store.js';
import { conversationKey } from './conversation-key.js';
import type { MessageService, Refusal, SendRequest, SendResult } from './message-service.js';
import { sendBucketKey } from './send-rate.js';

/**
 * Changes to messages after they are sent: recall, edit and expansion. A recall and an expansion
 * update are messages themselves (`RC:RcCmd`, `RC:MsgExMsg`), delivered like any other through the
 * inboxes and stored in one transaction with the change they make to the original; an edit changes
 * the original alone and tells its holders through their edit feed (`s_cmd` 12, `pullModifyMsg`).
 * How a changed message then reads is down-stream.ts's; what a change may do, change-rules.ts's.
 */
export interface ChangeOptions {
  /** How long after sending a message may be recalled or edited, ms (`--recall-window`, whole minutes). */
  recallWindowMs: number;
  /** Sends per second one user may make from clients; edits take from the same budget. */
  sendsPerUserPerSecond: number;
}

export interface RecallRequest {
  appKey: string;
  /** Who recalls: the session's user, or the user the Server API names. */
  operatorId: string;
  /** The `RC:RcCmd` content; it names the conversation and the message (never the frame's target). */
  content: string;
  /** The command's MessageFlag bits; it is never stored in history nor counted. */
  flags: number;
  clientUniqueId?: string;
  senderSessionId?: string;
  /** The Server API: no rate limit or membership check, and `admin` may recall anyone's message. */
  fromServer?: boolean;
  admin?: boolean;
}

export interface EditRequest {
  appKey: string;
  editorId: string;
  conversationType: number;
  targetId: string;
  uid: string;
  content: string;
  editorSessionId?: string;
  /** The Server API: no rate limit or membership check. */
  fromServer?: boolean;
}

/** `messageUId`: the recalled message's. */
export type RecallResult = { ok: true; messageUId: string; sentTime: number } | Refusal;
export type EditResult = { ok: true; modifyTime: number } | Refusal;

/** Entries of an edit feed per pullModifyMsg answer; a longer feed comes in several (`finished: false`). */
export const EDIT_FEED_PAGE = 100;

export class MessageChanges {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly messages: Pick<MessageService, 'send'>,
    private readonly now: () => number,
    private readonly options: ChangeOptions,
  ) {}

  /** The recall and edit window in whole minutes, as navigation advertises it (config.ts takes only whole minutes). */
  get windowMinutes(): number {
    return Math.floor(this.options.recallWindowMs / 60_000);
  }

  /**
   * Only the sender recalls a message (else 25107), or the Server API as admin; within the recall
   * window; not a message that only carries state (change-rules.ts); in a group only while a member
   * (the send path refuses others, 22406: see edit). A retried recall is answered as the first was.
   */
  async recall(request: RecallRequest): Promise<RecallResult> {
    const command = parseRecallCommand(request.content);
    if (!command) return refuse(AckStatus.RECALL_FAILED, 'the recall names no message');
    const original = await this.store.messageChanges.find(request.appKey, command.messageUId);
    if (!original || !isOfConversation(original, command.conversationType, request.operatorId, command.targetId)) {
      return refuse(AckStatus.RECALL_FAILED, `no message ${command.messageUId} in this conversation`);
    }
    if (original.senderId !== request.operatorId && !request.admin) return refuse(AckStatus.RECALL_NOT_ALLOWED, 'only its sender recalls a message');
    if (original.recall) return { ok: true, messageUId: original.uid, sentTime: original.recall.time };
    if (this.now() - original.sentTime > this.options.recallWindowMs) return refuse(AckStatus.RECALL_FAILED, 'past the recall window');
    const result = await this.messages.send({
      appKey: request.appKey,
      senderId: request.operatorId,
      conversationType: original.conversationType,
      targetId: command.targetId,
      objectName: ChangeMessageType.RECALL_COMMAND,
      // The original's true sent time: the SDKs decide from it whether the recall lowers the unread count.
      content: JSON.stringify({ ...parseJsonObject(request.content), sentTime: original.sentTime }),
      // Not in history, not in the conversation list, not counted: the recalled message shows as RC:RcNtf there.
      flags: request.flags & ~(MessageFlag.PERSISTED | MessageFlag.COUNTED),
      clientUniqueId: request.clientUniqueId,
      senderSessionId: request.senderSessionId,
      fromServer: request.fromServer,
      change: {
        kind: 'recall',
        uid: original.uid,
        conversationKey: original.conversationKey,
        recall: {
          operatorId: request.operatorId,
          time: 0,
          isDelete: command.isDelete,
          admin: request.admin === true,
          ...(command.extra === undefined ? {} : { extra: command.extra }),
        },
      },
    });
    if (!result.ok) return result;
    if (result.duplicate || result.change?.kind === 'applied') return { ok: true, messageUId: original.uid, sentTime: result.message.sentTime };
    if (result.change?.kind === 'repeat' && result.change.message.recall) return { ok: true, messageUId: original.uid, sentTime: result.change.message.recall.time };
    return refuse(result.change?.kind === 'refused' ? result.change.status : AckStatus.RECALL_FAILED, refusalReason(result.change));
  }

  /**
   * Only the sender edits, within the recall window; an edit to the content the message has is
   * answered as the first. An edit takes from the sender's send budget: each one reaches every
   * holder's devices.
   *
   * A sender who left the group can neither edit nor recall there (22406), as they cannot send:
   * both change what the members see, and a member removed from a group (for abuse, say) must not
   * keep rewriting it. The app server still can, through the Server API.
   */
  async edit(request: EditRequest): Promise<EditResult> {
    if (Buffer.byteLength(request.content) > MAX_MESSAGE_CONTENT_BYTES) return refuse(AckStatus.MESSAGE_SIZE_EXCEEDED, `content over ${MAX_MESSAGE_CONTENT_BYTES} bytes`);
    if (!parseJsonObject(request.content)) return refuse(AckStatus.PARAMETER_INVALID, 'content must be a JSON object');
    if (!request.fromServer) {
      const rate = this.options.sendsPerUserPerSecond;
      if (!(await this.bus.takeToken(sendBucketKey(request.appKey, request.editorId), rate, rate * 2))) return refuse(AckStatus.SEND_FREQUENCY_TOO_FAST, 'sending too fast');
    }
    const original = await this.store.messageChanges.find(request.appKey, request.uid);
    if (!original || !isOfConversation(original, request.conversationType, request.editorId, request.targetId)) {
      return refuse(AckStatus.MODIFY_UNSUPPORTED, `no message ${request.uid} in this conversation`);
    }
    if (original.senderId !== request.editorId) return refuse(AckStatus.MODIFY_UNSUPPORTED, 'only its sender edits a message');
    const now = this.now();
    if (now - original.sentTime > this.options.recallWindowMs) return refuse(AckStatus.MODIFY_TIME_OVER, 'past the edit window');
    if (original.conversationType === ConversationType.GROUP && !request.fromServer && !(await this.store.groups.isMember(request.appKey, request.targetId, request.editorId))) {
      return refuse(AckStatus.NOT_IN_GROUP, `not a member of group ${request.targetId}`);
    }
    const { outcome, versions } = await this.store.messageChanges.edit(
      request.appKey,
      { kind: 'edit', uid: original.uid, content: request.content, conversationKey: original.conversationKey },
      now,
    );
    if ((outcome.kind !== 'applied' && outcome.kind !== 'repeat') || outcome.message.modifiedTime === undefined) {
      return refuse(outcome.kind === 'refused' ? outcome.status : AckStatus.MODIFY_UNSUPPORTED, refusalReason(outcome));
    }
    if (versions.length > 0) {
      // Stored: a lost notice only delays the edit until the holder's next pullModifyMsg.
      await this.bus
        .publish({
          kind: 'command',
          appKey: request.appKey,
          userIds: versions.map((v) => v.userId),
          notifyType: NotifyType.MODIFIED_MESSAGES,
          time: Math.max(...versions.map((v) => v.version)),
          exceptSessionId: request.editorSessionId,
        })
        .catch(() => undefined);
    }
    return { ok: true, modifyTime: outcome.message.modifiedTime };
  }

  /** The user's edit feed after `version`: at most a page, and whether it is all. */
  async editsAfter(appKey: string, userId: string, version: number): Promise<{ edits: { version: number; message: StoredMessage }[]; finished: boolean }> {
    const edits = await this.store.messageChanges.editsAfter(appKey, userId, version, EDIT_FEED_PAGE);
    return { edits, finished: edits.length < EDIT_FEED_PAGE };
  }

  /**
   * Sends an `RC:MsgExMsg`: delivered like any message, and merged into the stored original in the
   * same transaction, so a device that syncs later reads the current map. Only for an expandable
   * message of a conversation the sender is in.
   */
  async sendExpansionUpdate(request: SendRequest): Promise<SendResult> {
    const update = parseExpansionUpdate(request.content);
    if (!update.ok) return refuse(update.status, update.reason);
    const key = this.keyOf(request);
    const original = await this.store.messageChanges.find(request.appKey, update.value.mid);
    if (!original || original.conversationKey !== key) return refuse(AckStatus.EXPANSION_MESSAGE_MISSING, `no message ${update.value.mid} in this conversation`);
    const { put, del } = update.value;
    const result = await this.messages.send({ ...request, change: { kind: 'expand', uid: original.uid, conversationKey: key, ...(put ? { put } : {}), ...(del ? { del } : {}) } });
    if (!result.ok || result.duplicate || result.change?.kind === 'applied') return result;
    return refuse(result.change?.kind === 'refused' ? result.change.status : AckStatus.EXPANSION_MESSAGE_MISSING, refusalReason(result.change));
  }

  /** A message's current expansion; undefined when the app has no such message or it was not sent expandable. */
  async expansionOf(appKey: string, uid: string): Promise<ExpansionMap | undefined> {
    const message = await this.store.messageChanges.find(appKey, uid);
    if (!message || (message.flags & MessageFlag.EXPANDABLE) === 0 || message.recall) return undefined;
    return parseExpansionMap(message.expansion);
  }

  /** The expansion a message is sent with, checked and stamped; undefined for a message not sent expandable. */
  sentExpansion(flags: number, extraContent: string | undefined): { ok: true; expansion: string | undefined } | Refusal {
    if ((flags & MessageFlag.EXPANDABLE) === 0 || !extraContent) return { ok: true, expansion: undefined };
    const parsed = parseSentExpansion(extraContent, this.now());
    return parsed.ok ? { ok: true, expansion: JSON.stringify(parsed.value) } : refuse(parsed.status, parsed.reason);
  }

  private keyOf(request: Pick<SendRequest, 'conversationType' | 'senderId' | 'targetId'>): string {
    return conversationKey(request.conversationType, request.senderId, request.targetId);
  }
}

/** Whether `message` is of the conversation `userId` has with `targetId` (a peer or a group); only private and group messages change. */
function isOfConversation(message: StoredMessage, type: number, userId: string, targetId: string): boolean {
  if (type !== ConversationType.PRIVATE && type !== ConversationType.GROUP) return false;
  return message.conversationType === type && message.conversationKey === conversationKey(type, userId, targetId);
}

function refusalReason(outcome: ChangeOutcome | undefined): string {
  if (outcome?.kind === 'refused') return outcome.reason;
  return outcome?.kind === 'missing' ? 'the message is gone' : 'the change did not apply';
}

function refuse(status: number, reason: string): Refusal {
  return { ok: false, status, reason };
}
