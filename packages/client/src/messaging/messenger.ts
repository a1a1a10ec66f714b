import { AckStatus, decodePayload, encodePayload, MessageDirection, ORDINARY_MESSAGE_FLAGS, sendTopicFor, Topic } from '@parley/protocol';
import type { RmtpSession } from '../connection/rmtp-session.js';
import { ConnectionErrorCode } from '../enums.js';
import type { LocalMessage, UserStore } from '../store/local-store.js';
import { toPublicMessage, type Message, type MessageContent } from './message.js';
import { fromDownStream } from './wire-messages.js';

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

  constructor(
    private readonly store: UserStore,
    private readonly userId: string,
    private readonly deliver: (messages: Message[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A (re)connected session: catch up on the inbox first, then send what waited. */
  async attach(session: RmtpSession): Promise<void> {
    this.session = session;
    await this.sync();
    await this.flush();
  }

  detach(session: RmtpSession): void {
    if (this.session === session) this.session = undefined;
  }

  onNotice(): void {
    void this.sync().catch(() => undefined);
  }

  async send(conversationType: number, targetId: string, message: MessageContent): Promise<Message> {
    const local: LocalMessage = {
      messageUId: '',
      clientId: newClientId(),
      conversationType,
      targetId,
      senderUserId: this.userId,
      objectName: message.objectName,
      content: message.content,
      sentTime: this.now(),
      direction: MessageDirection.SEND,
      status: 'sending',
    };
    const result = new Promise<Message>((resolve, reject) => this.waiting.set(local.clientId, { resolve, reject }));
    await this.store.saveMessages([local]);
    void this.flush();
    return result;
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
      const fresh = await this.store.saveMessages(result.list.map((m) => fromDownStream(m, this.userId)));
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
          sessionId: ORDINARY_MESSAGE_FLAGS,
          classname: pending.objectName,
          content: JSON.stringify(pending.content),
          clientUniqueId: pending.clientId,
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
function newClientId(): string {
  const high = Math.floor(Math.random() * 2 ** 21);
  const low = Math.floor(Math.random() * 2 ** 32);
  return String(high * 2 ** 32 + low);
}
