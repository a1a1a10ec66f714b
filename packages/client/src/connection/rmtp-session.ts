import {
  decodeServerFrame,
  encodeClientFrame,
  FrameDecodeError,
  MessageIdSequence,
  type ClientFrame,
  type FrameInput,
  type ServerFrame,
} from '@parley/protocol';
import type { FrameSocket } from '../transport/frame-socket.js';

/** How long a query or a send may wait for its answer before it fails (the Web SDK waits 30 s too). */
const ANSWER_TIMEOUT_MS = 30_000;

export interface QueryResult {
  status: number;
  payload: Uint8Array;
}

export interface PublishResult {
  status: number;
  messageUId: string;
  sentTime: number;
}

export class AnswerTimeoutError extends Error {}

export interface SessionEvents {
  /** A server PUBLISH (s_ntf, s_msg, ...). */
  onPush(frame: Extract<ServerFrame, { type: 'PUBLISH' }>): void;
  /** A DISCONNECT frame; the status is the raw wire value. */
  onServerDisconnect(status: number): void;
  /** The socket closed (after a DISCONNECT as well). */
  onClosed(): void;
}

/**
 * One authenticated RMTP connection: pairs each QUERY and PUBLISH with its answer by message id,
 * and routes server pushes. Knows nothing of reconnecting: when the socket goes, it fails what is
 * pending and reports the close.
 */
export class RmtpSession {
  private readonly ids = new MessageIdSequence();
  private readonly pending = new Map<number, { resolve: (frame: ServerFrame) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;
  /** When the last frame arrived; the keepalive reads it. */
  lastFrameAt = Date.now();
  /** Set by the keepalive when it gave up waiting for the server. */
  lostPong = false;

  constructor(
    private readonly socket: FrameSocket,
    private readonly events: SessionEvents,
    earlyFrames: Uint8Array[] = [],
  ) {
    socket.onFrame = (data) => this.onFrame(data);
    socket.onClose = () => this.onClose();
    for (const data of earlyFrames) this.onFrame(data);
  }

  send(frame: FrameInput<ClientFrame>): void {
    if (!this.closed) this.socket.send(encodeClientFrame(frame));
  }

  async query(topic: string, targetId: string, payload: Uint8Array): Promise<QueryResult> {
    const messageId = this.ids.next();
    const answer = this.await(messageId);
    this.send({ type: 'QUERY', topic, targetId, messageId, payload });
    const frame = await answer;
    if (frame.type !== 'QUERYACK') throw new Error(`expected QUERYACK, got ${frame.type}`);
    return { status: frame.status, payload: frame.payload };
  }

  async publish(topic: string, targetId: string, payload: Uint8Array): Promise<PublishResult> {
    const messageId = this.ids.next();
    const answer = this.await(messageId);
    this.send({ type: 'PUBLISH', header: { qos: 1 }, topic, targetId, messageId, payload });
    const frame = await answer;
    if (frame.type !== 'PUBACK') throw new Error(`expected PUBACK, got ${frame.type}`);
    return { status: frame.status, messageUId: frame.messageUId, sentTime: frame.date * 1000 + frame.millis };
  }

  /** A PUBLISH with qos 0, which nothing answers: status messages (typing), as the native stack sends them. */
  publishUnanswered(topic: string, targetId: string, payload: Uint8Array): void {
    this.send({ type: 'PUBLISH', header: { qos: 0 }, topic, targetId, messageId: this.ids.next(), payload });
  }

  close(lastFrame?: FrameInput<ClientFrame>): void {
    if (this.closed) return;
    if (lastFrame) this.send(lastFrame);
    this.socket.close();
    this.onClose();
  }

  private await(messageId: number): Promise<ServerFrame> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        reject(new AnswerTimeoutError(`no answer to message ${messageId}`));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(messageId, { resolve, reject, timer });
    });
  }

  private onFrame(data: Uint8Array): void {
    this.lastFrameAt = Date.now();
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(data);
    } catch (error) {
      if (error instanceof FrameDecodeError) return this.close();
      throw error;
    }
    switch (frame.type) {
      case 'PUBACK':
      case 'QUERYACK': {
        const waiter = this.pending.get(frame.messageId);
        if (!waiter) return;
        this.pending.delete(frame.messageId);
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
        return;
      }
      case 'PUBLISH':
        if (frame.header.qos > 0) this.send({ type: 'PUBACK', messageId: frame.messageId });
        this.events.onPush(frame);
        return;
      case 'DISCONNECT':
        this.events.onServerDisconnect(frame.status);
        return;
      case 'PINGRESP':
      case 'CONNACK':
        return;
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('connection closed'));
    }
    this.pending.clear();
    this.events.onClosed();
  }
}
