// Parent side of the native-SDK harness: each NativeClient is one child process running RongCloud's
// unmodified Electron main-process SDK and its C++ protocol stack (see native-child.mjs), so one
// test can drive several simulated desktop users over RMTP on TCP.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../temp-dir.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./native-child.mjs', import.meta.url));
const DEFAULT_START_TIMEOUT_MS = 15_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
const DEFAULT_EVENT_TIMEOUT_MS = 10_000;
/** The child waits up to 3 s for its disconnect before it exits. */
const CLOSE_TIMEOUT_MS = 6_000;
const OUTPUT_TAIL_CHARS = 4_000;
const EVENTS_LISTED_IN_ERRORS = 60;

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

export interface ChildErrorRecord {
  kind: 'unhandledRejection' | 'uncaughtException';
  name: string;
  message: string;
  stack?: string;
}

export interface ConsoleRecord {
  level: 'debug' | 'log' | 'info' | 'warn' | 'error';
  text: string;
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
export interface EventPayloads {
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
  /** An unhandled rejection or uncaught exception in the child; the child keeps running. */
  'harness:error': ChildErrorRecord;
  /** Anything the wrapper wrote to the console (echoed to the terminal only with `sdkLogs`). */
  'harness:console': ConsoleRecord;
}

export type EventName = keyof EventPayloads | (string & {});
export type PayloadOf<N extends string> = N extends keyof EventPayloads ? EventPayloads[N] : unknown[];

export interface ClientEvent<N extends string = EventName> {
  /** Position in `events`, so `event.seq >= mark` selects events that came after a mark. */
  seq: number;
  event: N;
  payload: PayloadOf<N>;
  /** Epoch ms, taken in the child. */
  at: number;
}

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

export interface NativeClientOptions {
  appKey: string;
  /** Navigation servers, e.g. `['http://127.0.0.1:PORT']`. */
  navigators: string[];
  /** The CONNECT's client id; by default the wrapper's own random one. */
  deviceId?: string;
  /** Names this client in error messages, e.g. the user id. */
  label?: string;
  /** Echo the wrapper's logs and the child's output; defaults to `PARLEY_SDK_LOGS=1` in the environment. */
  sdkLogs?: boolean;
  /** Default time limit of each command. */
  commandTimeoutMs?: number;
}

export interface HistoryOptions {
  /** 0 = the newest. */
  timestamp?: number;
  count?: number;
  /** 0 = older than `timestamp`, 1 = newer. */
  order?: 0 | 1;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'event'; event: string; payload: unknown; at: number }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: { name: string; message: string; stack?: string } };

interface PendingCommand {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  awaited: string;
  matches: (event: ClientEvent) => boolean;
  resolve: (event: ClientEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const liveChildren = new Set<ChildProcess>();
// Children also leave on their own when the IPC channel closes; this covers an orderly exit of the
// test process, which would otherwise not wait for them.
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export class NativeClient {
  readonly label: string;
  /** Everything the child reported so far, in order. */
  readonly events: ClientEvent[] = [];
  /** The stack's database directory, removed by `close()`. */
  readonly dbPath: string;

  readonly #child: ChildProcess;
  readonly #commandTimeoutMs: number;
  readonly #pending = new Map<number, PendingCommand>();
  readonly #waiters = new Set<EventWaiter>();
  readonly #exited: Promise<void>;
  readonly #removeDbDir: () => void;
  #nextCommandId = 1;
  #outputTail = '';
  #exitDescription: string | null = null;
  #exitStatus: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(child: ChildProcess, label: string, dbDir: { path: string; remove(): void }, commandTimeoutMs: number, echoOutput: boolean) {
    this.#child = child;
    this.label = label;
    this.dbPath = dbDir.path;
    this.#removeDbDir = dbDir.remove;
    this.#commandTimeoutMs = commandTimeoutMs;
    liveChildren.add(child);

    const keepOutput = (chunk: Buffer, echo: NodeJS.WriteStream) => {
      this.#outputTail = (this.#outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
      if (echoOutput) echo.write(chunk);
    };
    child.stdout?.on('data', (chunk: Buffer) => keepOutput(chunk, process.stdout));
    child.stderr?.on('data', (chunk: Buffer) => keepOutput(chunk, process.stderr));
    child.on('message', (message: ChildMessage) => this.#onMessage(message));
    child.on('error', (error) => {
      this.#outputTail += `\n[harness] child process error: ${error.message}`;
    });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        this.#exitStatus = { code, signal };
        this.#exitDescription = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.#failEverythingPending();
        resolve();
      });
    });
  }

  /** Forks a child, waits until it has loaded the SDK, and initialises the SDK with a fresh database directory. */
  static async start(options: NativeClientOptions): Promise<NativeClient> {
    const echoOutput = options.sdkLogs ?? process.env.PARLEY_SDK_LOGS === '1';
    const dbDir = makeTempDir('parley-native-sdk-');
    const child = fork(CHILD_SCRIPT, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // The test runner's own Node flags (loaders, conditions) are not for the child.
      execArgv: [],
      env: { ...process.env, PARLEY_SDK_LOGS: echoOutput ? '1' : '0' },
    });
    const client = new NativeClient(
      child,
      options.label ?? `native SDK client (pid ${child.pid})`,
      dbDir,
      options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      echoOutput,
    );
    try {
      await client.#whenReady();
      await client.#command('init', {
        appKey: options.appKey,
        navigators: options.navigators,
        dbPath: dbDir.path,
        ...(options.deviceId ? { deviceId: options.deviceId } : {}),
      });
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How the child ended, once it has: a clean end is code 0 (a SIGSEGV is the binding's crash at exit). */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.#exitStatus;
  }

  /** Resolves with the wrapper's result code (0 = connected) once its connect settles. */
  async connect(token: string, timeoutMs?: number): Promise<NativeResult & { userId?: string }> {
    return (await this.#command('connect', { token }, timeoutMs)) as NativeResult & { userId?: string };
  }

  /**
   * Resolves once the wrapper has handed the disconnect to the stack, which sends its DISCONNECT
   * at once; the wrapper itself never answers (see native-child.mjs). `onDisconnected` comes with code 2.
   */
  async disconnect(timeoutMs?: number): Promise<void> {
    await this.#command('disconnect', {}, timeoutMs);
  }

  /** A disconnect that also turns pushes to this device off; settles as `disconnect()` does. */
  async logout(timeoutMs?: number): Promise<void> {
    await this.#command('logout', {}, timeoutMs);
  }

  /** Sends a `RC:TxtMsg`; conversation types: 1 private, 3 group, 6 system. */
  async sendText(conversationType: number, targetId: string, text: string, timeoutMs?: number): Promise<SendResult> {
    return (await this.#command('sendText', { conversationType, targetId, text }, timeoutMs)) as SendResult;
  }

  /** The server's history of a conversation (the stack's `getRemoteHistoryMessages`). */
  async getRemoteHistory(conversationType: number, targetId: string, options: HistoryOptions = {}, timeoutMs?: number): Promise<HistoryResult> {
    const { timestamp = 0, count = 20, order = 0 } = options;
    return (await this.#command('getRemoteHistoryMessages', { conversationType, targetId, timestamp, count, order }, timeoutMs)) as HistoryResult;
  }

  /** The stack's own debug log since `sinceMs`: every frame it parsed, its connection profile, the wrapper's steps. */
  async getLog(options: { sinceMs?: number; count?: number } = {}, timeoutMs?: number): Promise<StackLogEntry[]> {
    return (await this.#command('getLog', options, timeoutMs)) as StackLogEntry[];
  }

  /**
   * Resolves with the first event named `name` (received earlier or later) for which `predicate`
   * holds. To wait for a new event only, take `const mark = client.events.length` beforehand and
   * test `event.seq >= mark` in the predicate.
   */
  waitForEvent<N extends EventName>(
    name: N,
    predicate?: (payload: PayloadOf<N>, event: ClientEvent<N>) => boolean,
    timeoutMs = DEFAULT_EVENT_TIMEOUT_MS,
  ): Promise<ClientEvent<N>> {
    const matches = (event: ClientEvent): event is ClientEvent<N> =>
      event.event === name &&
      (predicate === undefined || predicate(event.payload as PayloadOf<N>, event as ClientEvent<N>));
    const seen = this.events.find(matches);
    if (seen) return Promise.resolve(seen);
    const awaited = `event ${name}${predicate ? ' matching the predicate' : ''}`;
    if (this.#exitDescription) return Promise.reject(this.#exitedError(awaited));

    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        awaited,
        matches,
        resolve: (event) => resolve(event as ClientEvent<N>),
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(this.#timeoutError(awaited, timeoutMs));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** The payloads of all events named `name` received so far. */
  payloadsOf<N extends EventName>(name: N): PayloadOf<N>[] {
    return this.events.filter((event) => event.event === name).map((event) => event.payload as PayloadOf<N>);
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
  async close(): Promise<void> {
    if (this.#exitDescription === null) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
      await this.#exited;
      clearTimeout(timer);
    }
    this.#removeDbDir();
  }

  #whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.#timeoutError('the child to load the SDK', DEFAULT_START_TIMEOUT_MS));
      }, DEFAULT_START_TIMEOUT_MS);
      const onMessage = (message: ChildMessage) => {
        if (message.type !== 'ready') return;
        cleanUp();
        resolve();
      };
      const onExit = () => {
        cleanUp();
        reject(this.#exitedError('the child to load the SDK'));
      };
      const cleanUp = () => {
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
      };
      this.#child.on('message', onMessage);
      // Registered after the constructor's exit listener, so the exit description is already set.
      this.#child.once('exit', onExit);
    });
  }

  #command(name: string, args: object, timeoutMs = this.#commandTimeoutMs): Promise<unknown> {
    const awaited = `the reply to ${name}`;
    if (this.#exitDescription) return Promise.reject(this.#exitedError(awaited));
    const id = this.#nextCommandId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(this.#timeoutError(awaited, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { name, resolve, reject, timer });
      this.#child.send({ type: 'command', id, name, args }, (error) => {
        if (!error || !this.#pending.delete(id)) return;
        clearTimeout(timer);
        reject(new Error(`${this.label}: could not send ${name} to the SDK child: ${error.message}`));
      });
    });
  }

  #onMessage(message: ChildMessage): void {
    if (message.type === 'event') {
      const event: ClientEvent = {
        seq: this.events.length,
        event: message.event,
        payload: message.payload as PayloadOf<EventName>,
        at: message.at,
      };
      this.events.push(event);
      for (const waiter of this.#waiters) {
        if (!waiter.matches(event)) continue;
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
        waiter.resolve(event);
      }
    } else if (message.type === 'reply') {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      clearTimeout(pending.timer);
      this.#pending.delete(message.id);
      if (message.ok) {
        pending.resolve(message.value);
      } else {
        const error = new Error(`${this.label}: ${pending.name} failed in the SDK: ${message.error.name}: ${message.error.message}`);
        if (message.error.stack) error.stack = `${error.message}\n--- stack in the child ---\n${message.error.stack}`;
        pending.reject(error);
      }
    }
  }

  #failEverythingPending(): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(this.#exitedError(`the reply to ${pending.name}`));
    }
    this.#pending.clear();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(this.#exitedError(waiter.awaited));
    }
    this.#waiters.clear();
  }

  #timeoutError(awaited: string, timeoutMs: number): Error {
    return new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${awaited}.\n${this.#describeHistory()}`);
  }

  #exitedError(awaited: string): Error {
    return new Error(
      `${this.label}: the SDK child process ${this.#exitDescription ?? 'exited'} while waiting for ${awaited}.\n` +
        `${this.#describeHistory()}\nLast output of the child:\n${this.#outputTail || '(none)'}`,
    );
  }

  #describeHistory(): string {
    const listed = this.events.slice(-EVENTS_LISTED_IN_ERRORS).map(describeEvent);
    const omitted = this.events.length - listed.length;
    return [`Events seen (${this.events.length}):`, ...(omitted > 0 ? [`  … ${omitted} earlier`] : []), ...listed].join('\n');
  }
}

function describeEvent(event: ClientEvent): string {
  return `  #${event.seq} ${event.event}${describePayload(event)}`;
}

function describePayload({ event, payload }: ClientEvent): string {
  switch (event) {
    case 'harness:http': {
      const request = payload as HttpRequestRecord;
      return ` ${request.method} ${request.url}`;
    }
    case 'harness:connection': {
      const connection = payload as ConnectionRecord;
      return ` ${connection.host}:${connection.port}${connection.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
    }
    case 'harness:stack-address': {
      const address = payload as StackAddressRecord;
      return ` ${address.address}${address.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
    }
    case 'harness:error': {
      const error = payload as ChildErrorRecord;
      return ` ${error.kind}: ${error.name}: ${error.message}`;
    }
    case 'harness:console': {
      const line = payload as ConsoleRecord;
      return ` ${line.level}: ${line.text.slice(0, 200)}`;
    }
    case 'batchMessage':
      return ` (${(payload as EventPayloads['batchMessage'])[0].length} messages)`;
    default:
      return Array.isArray(payload) && payload.length === 0 ? '' : ` ${JSON.stringify(payload).slice(0, 200)}`;
  }
}
