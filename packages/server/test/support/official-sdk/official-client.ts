// Parent side of the official-SDK harness: each OfficialClient is one child process running the
// unmodified RongCloud Web SDK (see child.mjs), so one test can drive several simulated users.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  GetHistoryMessageResult,
  IAReceivedConversation,
  IAReceivedMessage,
  IConversationEvent,
  IMessagesEvent,
} from '@rongcloud/imlib-next';

const CHILD_SCRIPT = fileURLToPath(new URL('./child.mjs', import.meta.url));
const DEFAULT_START_TIMEOUT_MS = 15_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
const DEFAULT_EVENT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;
const OUTPUT_TAIL_CHARS = 4_000;
const EVENTS_LISTED_IN_ERRORS = 60;

/** An HTTP request the SDK made, as the SDK made it (headers Node adds are not included). */
export interface HttpRequestRecord {
  api: 'xhr' | 'fetch';
  method: string;
  /** The URL the SDK asked for. */
  originalUrl: string;
  /** The URL actually requested: non-loopback hosts are replaced by the closed port 127.0.0.1:1. */
  url: string;
  redirectedToClosedPort: boolean;
  headers: Record<string, string>;
  /** Binary bodies are decoded as UTF-8. */
  body: string | null;
}

export interface WebSocketRecord {
  originalUrl: string;
  url: string;
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

/**
 * Payloads of the events tests use most. SDK payloads arrive as JSON, so class instances are plain
 * objects without methods. Events not listed here carry `unknown`.
 */
export interface EventPayloads {
  CONNECTING: null;
  CONNECTED: null;
  /** The SDK's error code. */
  DISCONNECT: number;
  /** The SDK's error code; the SDK reconnects by itself after it. */
  SUSPEND: number;
  MESSAGES: IMessagesEvent;
  CONVERSATION: IConversationEvent;
  PULL_OFFLINE_MESSAGE_FINISHED: null;
  'harness:http': HttpRequestRecord;
  'harness:websocket': WebSocketRecord;
  /** A socket below the URL layer (an HTTP redirect, say) was aimed at a non-loopback host and confined. */
  'harness:blocked-connection': { host: string; port: number };
  /** An unhandled rejection or uncaught exception in the child; the child keeps running. */
  'harness:error': ChildErrorRecord;
  /** Anything the SDK wrote to the console (echoed to the terminal only with `sdkLogs`). */
  'harness:console': ConsoleRecord;
}

export type EventName = keyof EventPayloads | (string & {});
export type PayloadOf<N extends string> = N extends keyof EventPayloads ? EventPayloads[N] : unknown;

export interface ClientEvent<N extends string = EventName> {
  /** Position in `events`, so `event.seq >= mark` selects events that came after a mark. */
  seq: number;
  event: N;
  payload: PayloadOf<N>;
  /** Epoch ms, taken in the child. */
  at: number;
}

/** An SDK `RCResult` as received over IPC. */
export interface SdkResult<T> {
  code: number;
  msg?: string;
  data?: T;
}

export interface OfficialClientOptions {
  appKey: string;
  /** Navigation servers, e.g. `['http://127.0.0.1:PORT']`. */
  navigators?: string[];
  /** Any other `RongIMLib.init` options. */
  initOptions?: Record<string, unknown>;
  /** Names this client in error messages, e.g. the user id. */
  label?: string;
  /** Echo the SDK's logs and the child's output; defaults to `PARLEY_SDK_LOGS=1` in the environment. */
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

export interface ConversationListOptions {
  count?: number;
  startTime?: number;
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
// Children also exit on their own when the IPC channel closes; this covers an orderly exit that
// would otherwise leave them running until then.
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export class OfficialClient {
  readonly label: string;
  /** Everything the child reported so far, in order. */
  readonly events: ClientEvent[] = [];

  readonly #child: ChildProcess;
  readonly #commandTimeoutMs: number;
  readonly #pending = new Map<number, PendingCommand>();
  readonly #waiters = new Set<EventWaiter>();
  readonly #exited: Promise<void>;
  #nextCommandId = 1;
  #outputTail = '';
  #exitDescription: string | null = null;

  private constructor(child: ChildProcess, label: string, commandTimeoutMs: number, echoOutput: boolean) {
    this.#child = child;
    this.label = label;
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
        this.#exitDescription = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.#failEverythingPending();
        resolve();
      });
    });
  }

  /** Forks a child, waits until it has loaded the SDK, and calls `RongIMLib.init`. */
  static async start(options: OfficialClientOptions): Promise<OfficialClient> {
    const echoOutput = options.sdkLogs ?? process.env.PARLEY_SDK_LOGS === '1';
    const child = fork(CHILD_SCRIPT, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // The test runner's own Node flags (loaders, conditions) are not for the child.
      execArgv: [],
      env: { ...process.env, PARLEY_SDK_LOGS: echoOutput ? '1' : '0' },
    });
    const client = new OfficialClient(
      child,
      options.label ?? `official SDK client (pid ${child.pid})`,
      options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      echoOutput,
    );
    try {
      await client.#whenReady();
      await client.#command('init', {
        ...options.initOptions,
        appKey: options.appKey,
        ...(options.navigators ? { navigators: options.navigators } : {}),
      });
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Resolves with the SDK's result code (0 = connected) once `RongIMLib.connect` settles. */
  async connect(token: string, timeoutMs?: number): Promise<{ code: number; userId?: string }> {
    const result = (await this.#command('connect', { token }, timeoutMs)) as SdkResult<{ userId: string }>;
    return result.data?.userId === undefined ? { code: result.code } : { code: result.code, userId: result.data.userId };
  }

  async disconnect(timeoutMs?: number): Promise<void> {
    await this.#command('disconnect', {}, timeoutMs);
  }

  /** Sends a `RC:TxtMsg`; conversation types: 1 private, 3 group, 6 system. */
  async sendText(
    conversationType: number,
    targetId: string,
    text: string,
    timeoutMs?: number,
  ): Promise<SdkResult<IAReceivedMessage>> {
    return (await this.#command('sendMessage', { conversationType, targetId, text }, timeoutMs)) as SdkResult<
      IAReceivedMessage
    >;
  }

  /** Rejects (rather than resolving with a code) when the SDK itself throws, e.g. on a bad payload. */
  async getHistoryMessages(
    conversationType: number,
    targetId: string,
    options: HistoryOptions = {},
    timeoutMs?: number,
  ): Promise<SdkResult<GetHistoryMessageResult>> {
    return (await this.#command(
      'getHistoryMessages',
      { conversationType, targetId, ...options },
      timeoutMs,
    )) as SdkResult<GetHistoryMessageResult>;
  }

  async getConversationList(
    options: ConversationListOptions = {},
    timeoutMs?: number,
  ): Promise<SdkResult<IAReceivedConversation[]>> {
    return (await this.#command('getConversationList', options, timeoutMs)) as SdkResult<IAReceivedConversation[]>;
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

  get httpRequests(): HttpRequestRecord[] {
    return this.payloadsOf('harness:http');
  }

  get webSockets(): WebSocketRecord[] {
    return this.payloadsOf('harness:websocket');
  }

  /** Ends the child without an SDK disconnect (call `disconnect()` first to test a logout). */
  async close(): Promise<void> {
    if (this.#exitDescription === null) {
      // A child that does not leave when asked (a busy event loop, say) is killed.
      await this.#command('exit', {}, CLOSE_TIMEOUT_MS).catch(() => this.#child.kill('SIGKILL'));
    }
    await this.#exited;
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
    return [`Events seen (${this.events.length}):`, ...(omitted > 0 ? [`  … ${omitted} earlier`] : []), ...listed].join(
      '\n',
    );
  }
}

function describeEvent(event: ClientEvent): string {
  return `  #${event.seq} ${event.event}${describePayload(event)}`;
}

function describePayload({ event, payload }: ClientEvent): string {
  switch (event) {
    case 'harness:http': {
      const request = payload as HttpRequestRecord;
      return ` ${request.method} ${request.originalUrl}${request.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
    }
    case 'harness:websocket': {
      const socket = payload as WebSocketRecord;
      return ` ${socket.originalUrl}${socket.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
    }
    case 'harness:error': {
      const error = payload as ChildErrorRecord;
      return ` ${error.kind}: ${error.name}: ${error.message}`;
    }
    case 'harness:console': {
      const line = payload as ConsoleRecord;
      return ` ${line.level}: ${line.text.slice(0, 200)}`;
    }
    case 'MESSAGES':
      return ` (${(payload as IMessagesEvent).messages.length} messages)`;
    default:
      return payload === null || payload === undefined ? '' : ` ${JSON.stringify(payload).slice(0, 200)}`;
  }
}
