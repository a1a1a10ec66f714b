import { decodeServerFrame, encodeClientFrame, type ClientFrame, type FrameInput, type ServerFrame } from '@parley/protocol';
import WebSocket from 'ws';
import { waitForFrame } from './wait-for-frame.js';

/**
 * A bare RMTP client over a real WebSocket: sends exactly the frames (or bytes) a test gives it and
 * records every frame the server sends. Used to test what the official SDK cannot send.
 */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private nextQueryId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.frames.push(decodeServerFrame(data)));
    this.closed = new Promise((resolve) =>
      socket.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static async open(baseUrl: string, query = '', headers: Record<string, string> = {}): Promise<RawClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/websocket${query}`, { headers });
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(frame: FrameInput<ClientFrame>): void {
    this.socket.send(encodeClientFrame(frame));
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  async connect(appKey: string, token: string, options: { platform?: 'web' | 'desktop' | 'mobile' | 'server'; deviceId?: string; refuseIfTaken?: boolean } = {}): Promise<ServerFrame> {
    this.send({
      type: 'CONNECT',
      keepAliveSeconds: 15,
      clientId: options.deviceId ?? `raw-${Math.random().toString(36).slice(2)}`,
      appKey,
      token,
      platform: options.platform ?? 'desktop',
      isReconnect: options.refuseIfTaken ?? false,
      refuseIfTaken: options.refuseIfTaken ?? false,
    });
    return this.nextFrame((f) => f.type === 'CONNACK');
  }

  /** Sends a QUERY with a message id of its own and waits for its answer. */
  async query(topic: string, targetId: string, payload: Uint8Array): Promise<Extract<ServerFrame, { type: 'QUERYACK' }>> {
    const messageId = this.nextQueryId++;
    this.send({ type: 'QUERY', topic, targetId, messageId, payload });
    return (await this.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === messageId)) as Extract<ServerFrame, { type: 'QUERYACK' }>;
  }

  /** The first recorded frame that matches, waiting for it if needed. */
  nextFrame(match: (frame: ServerFrame) => boolean = () => true, timeoutMs = 5000): Promise<ServerFrame> {
    return waitForFrame(this.frames, match, timeoutMs, () => (this.closeCode === undefined ? undefined : `closed with ${this.closeCode}`));
  }

  close(): void {
    this.socket.terminate();
  }
}
