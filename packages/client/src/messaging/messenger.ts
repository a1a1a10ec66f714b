import { AckStatus, decodePayload, encodePayload, MessageDirection, MessageFlag, MODIFY_TYPE_EDIT, ORDINARY_MESSAGE_FLAGS, sendTopicFor, Topic, type UpStreamMessage } from '@parley/protocol';
import type { PublishResult, RmtpSession } from '../connection/rmtp-session.js';
import { ConnectionErrorCode } from '../enums.js';
import type { LocalMessage, UserStore } from '../store/local-store.js';
import { toPublicMessage, type Message, type MessageContent } from './message.js';
import { changeCarriedBy, isChangeCommand, localUpdateOf, type MessageChange } from './message-changes.js';
import type { ReadState } from './read-state.js';
import { fromDownStream } from './wire-messages.js';

/** Recalls and expansion updates whose answer never came, remembered for a retry. */
const MAX_UNANSWERED_CHANGES = 100;

/** How far back a send asked again is looked for: it was queued moments ago, by a host that then died. */
const RECENT_SENDS_LOOKED_AT = 200;

/** Safety net against a server that never says `finished`. */
const MAX_PAGES_PER_SYNC = 10_000;

export class SendError extends Error {
  constructor(readonly code: number) {
    super(`send failed with ${code}`);
  }
}

/**
 * Messages for one user: inbox sync from the stored cursor, duplicate-free delivery to listeners,
 * and a send queue that survives disconnects. Each queued message carries one client id for its
 * whole life, so a send retried after a reconnect is stored once by the server.
 */
export class Messenger {
  private session: RmtpSession | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private readonly waiting = new Map<string, { resolve: (m: Message) => void; reject: (e: Error) => void }>();

  /** The client id of each recall and expansion update not answered yet, by the operation (publishChange). */
  private readonly unansweredChanges = new Map<string, string>();
  private pullingEdits: Promise<void> | undefined;
  private pullEditsAgain = false;

  constructor(
    private readonly store: UserStore,
    private readonly userId: string,
    private readonly deliver: (messages: Message[]) => void,
    private readonly now: () => number = Date.now,
    /** Stored messages that a recall, an edit or an expansion update made here or elsewhere changed. */
    private readonly changed: (messages: Message[]) => void = () => undefined,
    /** Takes the pulled messages that only carry read state, and the server's unread counts. */
    private readonly readState?: ReadState,
  ) {}

  /** A (re)connected session: catch up on the inbox first, then send what waited, then edits. */
  async attach(session: RmtpSession): Promise<void> {
    this.session = session;
    // The edit feed starts at the first connect, as the official SDK's does: what came before it
    // arrives edited through the inbox. Kept in the store, so edits made while the app was closed arrive.
    if ((await this.store.getEditCursor()) === undefined) await this.store.setEditCursor(this.now());
    await this.sync();
    // After the inbox: the server's counts then stand for what this device has stored.
    await this.readState?.syncUnread(session, 0);
    await this.flush();
    await this.pullEdits();
  }

  /** An `s_cmd` 12: messages were edited. */
  onEditNotice(): void {
    void this.pullEdits().catch(() => undefined);
  }

  /**
   * Publishes a recall or an expansion update with a client id, which the server stores once as it
   * does a send's. One id per operation until it is answered: when an answer never came (the
   * connection went, or it timed out) or the app repeats the call while it waits, the same request
   * goes with the same id, so a retry is not stored and delivered twice. `operation` names what it
   * asks (the change and its message).
   */
  async publishChange(session: RmtpSession, topic: string, targetId: string, up: Omit<UpStreamMessage, 'clientUniqueId'>, operation: unknown[]): Promise<PublishResult> {
    const key = JSON.stringify(operation);
    const clientUniqueId = this.unansweredChanges.get(key) ?? newClientId();
    this.unansweredChanges.delete(key);
    // Forgetting the oldest only costs its retry a second copy.
    if (this.unansweredChanges.size >= MAX_UNANSWERED_CHANGES) this.unansweredChanges.delete(this.unansweredChanges.keys().next().value as string);
    this.unansweredChanges.set(key, clientUniqueId);
    const answer = await session.publish(topic, targetId, encodePayload('UpStreamMessage', { ...up, clientUniqueId }));
    this.unansweredChanges.delete(key);
    return answer;
  }

  /** Applies a change to the stored message it names and tells the listeners, unless it changes nothing. */
  async applyChange(change: MessageChange): Promise<Message | undefined> {
    const target = await this.store.getMessage(change.messageUId);
    if (!target) return undefined;
    const update = localUpdateOf(target, change);
    if (!update) return undefined;
    const updated = await this.store.updateMessage(change.messageUId, update);
    if (!updated) return undefined;
    const message = toPublicMessage(updated);
    this.changed([message]);
    return message;
  }

  /** Pulls the edit feed until finished; a notice that arrives meanwhile makes one more round. */
  pullEdits(): Promise<void> {
    if (this.pullingEdits) {
      this.pullEditsAgain = true;
      return this.pullingEdits;
    }
    this.pullingEdits = (async () => {
      try {
        do {
          this.pullEditsAgain = false;
          for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
            const session = this.session;
            if (!session) return;
            const pullVersion = (await this.store.getEditCursor()) ?? 0;
            const answer = await session.query(Topic.pullModifyMsg, this.userId, encodePayload('PullModifyMsgReq', { pullVersion, modifyType: [MODIFY_TYPE_EDIT] }));
            if (answer.status !== AckStatus.SUCCESS) return;
            const result = decodePayload('PullModifyMsgResp', answer.payload);
            for (const { msg } of result.msg) {
              if (!msg) continue;
              const edited = fromDownStream(msg, this.userId);
              await this.applyChange({ kind: 'edit', messageUId: edited.messageUId, content: edited.content, modifiedTime: edited.modifiedTime ?? 0 });
            }
            // After the edits are stored, as the sync cursor: a crash in between repeats them, harmlessly.
            await this.store.setEditCursor(result.nextVersion ?? pullVersion);
            if (result.finished !== false) break;
          }
        } while (this.pullEditsAgain);
      } finally {
        this.pullingEdits = undefined;
      }
    })();
    return this.pullingEdits;
  }

  detach(session: RmtpSession): void {
    if (this.session === session) this.session = undefined;
  }

  onNotice(): void {
    void this.sync().catch(() => undefined);
  }

  /**
   * Queues a message and resolves when the server took it. `clientId`: the caller's own id for it;
   * asked again with an id already stored, the message is not queued twice: the call settles with
   * that message's fate (tabs/link-machine.ts asks again when its host died mid-send).
   */
  async send(conversationType: number, targetId: string, message: MessageContent, expansion?: Record<string, string>, clientId?: string): Promise<Message> {
    const local: LocalMessage = {
      messageUId: '',
      clientId: clientId ?? newClientId(),
      conversationType,
      targetId,
      senderUserId: this.userId,
      objectName: message.objectName,
      content: message.content,
      sentTime: this.now(),
      direction: MessageDirection.SEND,
      status: 'sending',
      ...(expansion ? { expansion } : {}),
    };
    const result = new Promise<Message>((resolve, reject) => this.waiting.set(local.clientId, { resolve, reject }));
    const fresh = await this.store.saveMessages([local]);
    if (fresh.length === 0) await this.settleStored(local);
    void this.flush();
    return result;
  }

  /** A send asked again: a copy still queued settles when the flush sends it; one already settled settles now. */
  private async settleStored(asked: LocalMessage): Promise<void> {
    const recent = await this.store.getHistory(asked.conversationType, asked.targetId, 0, RECENT_SENDS_LOOKED_AT);
    const stored = recent.find((m) => m.clientId === asked.clientId);
    if (!stored || stored.status === 'sending') return;
    const waiter = this.waiting.get(asked.clientId);
    this.waiting.delete(asked.clientId);
    if (stored.status === 'sent') waiter?.resolve(toPublicMessage(stored));
    else waiter?.reject(new SendError(ConnectionErrorCode.UNKNOWN));
  }

  /** Pulls until the server says finished; a notice that arrives meanwhile makes one more round. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.pullAll();
        } while (this.syncAgain);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private async pullAll(): Promise<void> {
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
      const session = this.session;
      if (!session) return;
      const cursor = await this.store.getSyncCursor();
      const answer = await session.query(Topic.pullMsg, this.userId, encodePayload('SyncRequestMsg', { syncTime: cursor, ispolling: false, isPullSend: true }));
      if (answer.status !== AckStatus.SUCCESS) return;
      const result = decodePayload('DownStreamMessages', answer.payload);
      const pulled = result.list.map((m) => fromDownStream(m, this.userId));
      // Change commands change what they name and are not kept: applying one twice changes nothing.
      const changes = pulled.map(changeCarriedBy);
      for (const change of changes) if (change) await this.applyChange(change);
      const readStates = pulled.filter((m) => this.readState?.carries(m));
      const fresh = await this.store.saveMessages(pulled.filter((m, i) => changes[i] === undefined && !isChangeCommand(m) && !readStates.includes(m)));
      // After the page is stored: a read position needs the conversation it moves.
      await this.readState?.apply(readStates);
      // The cursor moves only after the messages are stored, so a crash in between repeats a page
      // (and the store drops the repeats) rather than skipping one.
      await this.store.setSyncCursor(result.syncTime);
      if (fresh.length > 0) this.deliver(fresh.map(toPublicMessage));
      if (result.finished === true) return;
    }
  }

  /** Sends queued messages in order; a send queued while this runs is picked up before it ends. */
  private flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          for (const pending of await this.store.pendingOutgoing()) {
            const session = this.session;
            if (!session) return;
            await this.publish(session, pending);
          }
        } while (this.flushAgain);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private async publish(session: RmtpSession, pending: LocalMessage): Promise<void> {
    const topic = sendTopicFor(pending.conversationType);
    if (!topic) return this.fail(pending, ConnectionErrorCode.RC_INVALID_PARAMETER);
    let answer;
    try {
      answer = await session.publish(
        topic,
        pending.targetId,
        encodePayload('UpStreamMessage', {
          sessionId: ORDINARY_MESSAGE_FLAGS | (pending.expansion ? MessageFlag.EXPANDABLE : 0),
          classname: pending.objectName,
          content: JSON.stringify(pending.content),
          clientUniqueId: pending.clientId,
          ...(pending.expansion ? { extraContent: JSON.stringify(Object.fromEntries(Object.entries(pending.expansion).map(([k, v]) => [k, { v }]))) } : {}),
        }),
      );
    } catch {
      // The connection went: the message stays queued and goes out, with the same id, after the reconnect.
      return;
    }
    if (answer.status !== AckStatus.SUCCESS) return this.fail(pending, answer.status);
    await this.store.markSent(pending.clientId, answer.messageUId, answer.sentTime);
    this.waiting.get(pending.clientId)?.resolve(toPublicMessage({ ...pending, messageUId: answer.messageUId, sentTime: answer.sentTime, status: 'sent' }));
    this.waiting.delete(pending.clientId);
  }

  private async fail(pending: LocalMessage, code: number): Promise<void> {
    await this.store.markFailed(pending.clientId);
    this.waiting.get(pending.clientId)?.reject(new SendError(code));
    this.waiting.delete(pending.clientId);
  }
}

/** A random 53-bit send id, in decimal: the wire field is a 64-bit integer, and Parley keeps such ids as strings. */
export function newClientId(): string {
  const high = Math.floor(Math.random() * 2 ** 21);
  const low = Math.floor(Math.random() * 2 ** 32);
  return String(high * 2 ** 32 + low);
}
