import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import {
  decodeNativeServerFrame,
  encodeNativeClientFrame,
  NativeDeframer,
  type FrameInput,
  type NativeClientFrame,
  type ServerFrame,
} from '@parley/protocol';
import { waitForFrame } from './wait-for-frame.js';

/**
 * A bare native RMTP client over a real TCP socket, framed the way RongCloud's native stack frames
 * (check byte, XOR, signatures): sends exactly the frames or bytes a test gives it and records every
 * frame the server sends. For what the official stack cannot be made to send.
 */
export class NativeRawClient {
  readonly frames: ServerFrame[] = [];
  closed = false;
  readonly ended: Promise<void>;
  private readonly deframer = new NativeDeframer();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.deframer.push(chunk);
      for (let wire = this.deframer.read(); wire !== undefined; wire = this.deframer.read()) this.frames.push(decodeNativeServerFrame(wire));
    });
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static open(port: number, localAddress = '127.0.0.1'): Promise<NativeRawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress, noDelay: true }, () => resolve(new NativeRawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The same over TLS (the native stack's protocol 2), trusting `ca`; `socket` is then a TLSSocket. */
  static openTls(port: number, ca: Buffer): Promise<NativeRawClient> {
    return new Promise((resolve, reject) => {
      const socket: TLSSocket = tlsConnect({ port, host: '127.0.0.1', ca }, () => resolve(new NativeRawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: FrameInput<NativeClientFrame>): void {
    this.socket.write(encodeNativeClientFrame(frame));
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** A CONNECT as the Electron SDK sends it (`PC` platform, SDK 5.46.1); `reconnect` sets its one reconnect-kick bit. */
  async connect(appKey: string, token: string, options: { deviceId?: string; reconnect?: boolean; platform?: 'PC' | 'Android' | 'iOS' } = {}): Promise<ServerFrame> {
    const willMessage = `${options.platform ?? 'PC'}--5.46.1`;
    this.send({
      type: 'CONNECT',
      keepAliveSeconds: 10,
      clientId: options.deviceId ?? `native-${Math.random().toString(36).slice(2)}`,
      appKey,
      token,
      platform: options.platform === undefined || options.platform === 'PC' ? 'desktop' : 'mobile',
      isReconnect: options.reconnect ?? false,
      refuseIfTaken: options.reconnect ?? false,
      willTopic: 'RongIMPCClient',
      willMessage,
      sdkVersion: '5.46.1',
    });
    return this.nextFrame((f) => f.type === 'CONNACK');
  }

  /** The first recorded frame that matches, waiting for it if needed. */
  nextFrame(match: (frame: ServerFrame) => boolean = () => true, timeoutMs = 5000): Promise<ServerFrame> {
    return waitForFrame(this.frames, match, timeoutMs, () => (this.closed ? 'closed' : undefined));
  }

  close(): void {
    this.socket.destroy();
  }
}
