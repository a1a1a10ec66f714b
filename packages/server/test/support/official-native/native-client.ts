// Parent side of the native-SDK harness: each NativeClient is one child process running RongCloud's
// unmodified Electron main-process SDK and its C++ protocol stack (see native-child.mjs), so one
// test can drive several simulated desktop users over RMTP on TCP.

import { fileURLToPath } from 'node:url';
import { SdkChildProcess, type ChildPayloads, type SdkChildOptions, type SdkEvent, type SdkEventName, type SdkPayloadOf } from '../sdk-child/sdk-child-process.js';
import { makeTempDir } from '../temp-dir.js';

export type { ChildErrorRecord, ConsoleRecord } from '../sdk-child/sdk-child-process.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./native-child.mjs', import.meta.url));
/** The child waits up to 3 s for its disconnect before it exits. */
const CLOSE_TIMEOUT_MS = 6_000;

/** An HTTP request the SDK asked for, before confinement (its socket is in `harness:connection`). */
export interface HttpRequestRecord {
  api: 'http' | 'https';
  method: string;
  url: string;
  loopback: boolean;
}

/** A TCP connection opened in JavaScript (by the wrapper, not the C++ stack). */
export interface ConnectionRecord {
  host: string;
  port: number;
  /** Non-loopback hosts are replaced by the closed port 127.0.0.1:1. */
  redirectedToClosedPort: boolean;
  /** `host:port` actually dialled. */
  sentTo: string;
}

/** A server address handed to the C++ stack, which dials it itself. */
export interface StackAddressRecord {
  address: string;
  /** Non-loopback addresses are replaced by the closed port 127.0.0.1:1. */
  redirectedToClosedPort: boolean;
}

/** A message as the wrapper reports it (a few of its fields). */
export interface NativeMessage {
  conversationType: number;
  targetId: string;
  senderUserId: string;
  messageType: string;
  content: Record<string, unknown>;
  messageUId: string;
  /** 1 sent, 2 received. */
  messageDirection: number;
  sentTime: number;
  messageId: number;
  isOffLineMessage: boolean;
  [field: string]: unknown;
}

/** What the wrapper hands a renderer with `onConnected` (and on request). */
export interface MainProcessCache {
  connectedTime: number;
  deviceId: string;
  crtUserId: string;
  connectionStatus: number;
  naviInfo: Record<string, unknown> | null;
  commitId: string;
  [field: string]: unknown;
}

/**
 * The wrapper's notifications to a renderer carry their arguments as a list; the ones tests use
 * most are typed here, the others carry `unknown[]`. Connection codes are RongCloud's (30011 socket
 * closed by the peer, 31010 kicked by another login, 32061 connection refused, …).
 */
export interface EventPayloads extends ChildPayloads {
  onConnecting: [];
  /** `fromSuspend`: this connect is a reconnect after `onSuspend`. */
  onConnected: [fromSuspend: boolean, cache: MainProcessCache];
  /** The wrapper reconnects by itself after this. */
  onSuspend: [code: number];
  /** Final: the wrapper does not reconnect after this. */
  onDisconnected: [code: number];
  /** The user's message database was opened after CONNACK (code 0); comes before `onConnected`. */
  databaseOpened: [code: number, created: boolean];
  /** Received messages; the last item says whether the stack has more of this batch to deliver. */
  batchMessage: [messages: NativeMessage[], unused: null, hasMore: boolean];
  pullFinished: [];
  'harness:http': HttpRequestRecord;
  'harness:connection': ConnectionRecord;
  'harness:stack-address': StackAddressRecord;
}

export type EventName = SdkEventName<EventPayloads>;
export type PayloadOf<N extends string> = SdkPayloadOf<EventPayloads, unknown[], N>;
export type ClientEvent<N extends string = EventName> = SdkEvent<N, PayloadOf<N>>;

/** A wrapper result: `code` 0 is success; `msg` comes with failures. */
export interface NativeResult {
  code: number;
  msg?: string;
}

export interface SendResult extends NativeResult {
  messageUId?: string;
  sentTime?: number;
  /** The message as stored by the stack; present on failures too. */
  message?: NativeMessage;
}

export interface HistoryResult extends NativeResult {
  list: NativeMessage[];
  hasMore: boolean;
}

/** One entry of the stack's log database: the C++ stack's lines and the wrapper's. */
export interface StackLogEntry {
  time: number;
  level: number;
  tag: string;
  content: string;
  type: string;
  sessionId: string;
}

export interface NativeClientOptions extends SdkChildOptions {
  appKey: string;
  /** Navigation servers, e.g. `['http://127.0.0.1:PORT']`. */
  navigators: string[];
  /** The CONNECT's client id; by default the wrapper's own random one. */
  deviceId?: string;
}

export interface HistoryOptions {
  /** 0 = the newest. */
  timestamp?: number;
  count?: number;
  /** 0 = older than `timestamp`, 1 = newer. */
  order?: 0 | 1;
}

/** RongCloud's Electron SDK and its native stack in a child process (see native-child.mjs). */
export class NativeClient extends SdkChildProcess<EventPayloads, unknown[]> {
  /** The stack's database directory, removed by `close()`. */
  readonly dbPath: string;

  readonly #removeDbDir: () => void;

  private constructor(options: NativeClientOptions, dbDir: { path: string; remove(): void }) {
    super(CHILD_SCRIPT, 'native SDK client', options);
    this.dbPath = dbDir.path;
    this.#removeDbDir = dbDir.remove;
  }

  /** Forks a child, waits until it has loaded the SDK, and initialises the SDK with a fresh database directory. */
  static async start(options: NativeClientOptions): Promise<NativeClient> {
    const client = new NativeClient(options, makeTempDir('parley-native-sdk-'));
    await client.initialise({
      appKey: options.appKey,
      navigators: options.navigators,
      dbPath: client.dbPath,
      ...(options.deviceId ? { deviceId: options.deviceId } : {}),
    });
    return client;
  }

  /** Resolves with the wrapper's result code (0 = connected) once its connect settles. */
  async connect(token: string, timeoutMs?: number): Promise<NativeResult & { userId?: string }> {
    return (await this.command('connect', { token }, timeoutMs)) as NativeResult & { userId?: string };
  }

  /**
   * Resolves once the wrapper has handed the disconnect to the stack, which sends its DISCONNECT
   * at once; the wrapper itself never answers (see native-child.mjs). `onDisconnected` comes with code 2.
   */
  async disconnect(timeoutMs?: number): Promise<void> {
    await this.command('disconnect', {}, timeoutMs);
  }

  /** A disconnect that also turns pushes to this device off; settles as `disconnect()` does. */
  async logout(timeoutMs?: number): Promise<void> {
    await this.command('logout', {}, timeoutMs);
  }

  /** Sends a `RC:TxtMsg`; conversation types: 1 private, 3 group, 6 system. */
  async sendText(conversationType: number, targetId: string, text: string, timeoutMs?: number): Promise<SendResult> {
    return (await this.command('sendText', { conversationType, targetId, text }, timeoutMs)) as SendResult;
  }

  /** The server's history of a conversation (the stack's `getRemoteHistoryMessages`). */
  async getRemoteHistory(conversationType: number, targetId: string, options: HistoryOptions = {}, timeoutMs?: number): Promise<HistoryResult> {
    const { timestamp = 0, count = 20, order = 0 } = options;
    return (await this.command('getRemoteHistoryMessages', { conversationType, targetId, timestamp, count, order }, timeoutMs)) as HistoryResult;
  }

  /** The stack's own debug log since `sinceMs`: every frame it parsed, its connection profile, the wrapper's steps. */
  /** Any call the child exposes as a command (native-child.mjs). */
  async call<T = NativeResult>(command: string, args: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    return (await this.command(command, args, timeoutMs)) as T;
  }

  async getLog(options: { sinceMs?: number; count?: number } = {}, timeoutMs?: number): Promise<StackLogEntry[]> {
    return (await this.command('getLog', options, timeoutMs)) as StackLogEntry[];
  }

  /** Messages delivered by `batchMessage` events so far, in order. */
  get receivedMessages(): NativeMessage[] {
    return this.payloadsOf('batchMessage').flatMap(([messages]) => messages);
  }

  get httpRequests(): HttpRequestRecord[] {
    return this.payloadsOf('harness:http');
  }

  get connections(): ConnectionRecord[] {
    return this.payloadsOf('harness:connection');
  }

  get stackAddresses(): StackAddressRecord[] {
    return this.payloadsOf('harness:stack-address');
  }

  /**
   * Every connection the SDK tried to open off this machine, each sent to the closed port
   * 127.0.0.1:1 instead; `httpRequests` has the URLs of those made for HTTP.
   */
  get outsideRequests(): (ConnectionRecord | StackAddressRecord)[] {
    return [
      ...this.connections.filter((connection) => connection.redirectedToClosedPort),
      ...this.stackAddresses.filter((address) => address.redirectedToClosedPort),
    ];
  }

  /**
   * Ends the child (SIGTERM: it disconnects, destroys the stack and exits; SIGKILL if it does not
   * within a few seconds) and removes its database directory. Call `disconnect()` first to test a
   * logout as the server sees it.
   */
  override async close(): Promise<void> {
    if (this.running) {
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.#removeDbDir();
  }

  protected override describePayload(event: SdkEvent<string, unknown>): string {
    switch (event.event) {
      case 'harness:http': {
        const request = event.payload as HttpRequestRecord;
        return ` ${request.method} ${request.url}`;
      }
      case 'harness:connection': {
        const connection = event.payload as ConnectionRecord;
        return ` ${connection.host}:${connection.port}${connection.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
      }
      case 'harness:stack-address': {
        const address = event.payload as StackAddressRecord;
        return ` ${address.address}${address.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
      }
      case 'batchMessage':
        return ` (${(event.payload as EventPayloads['batchMessage'])[0].length} messages)`;
      default:
        return super.describePayload(event);
    }
  }
}
