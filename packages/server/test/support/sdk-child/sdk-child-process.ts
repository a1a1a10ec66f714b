// The parent side shared by the harnesses that run an official RongCloud SDK in a child process, one
// per simulated user (official-sdk: the Web SDK; official-native: the Electron SDK): commands and
// their replies, the events the child reports, and the child's life. The messages are described in
// child-ipc.mjs, the children's side.

import { fork, type ChildProcess } from 'node:child_process';

const START_TIMEOUT_MS = 15_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
const DEFAULT_EVENT_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_CHARS = 4_000;
const EVENTS_LISTED_IN_ERRORS = 60;

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

/** The events every SDK child reports, beside its SDK's own. */
export interface ChildPayloads {
  /** An unhandled rejection or uncaught exception in the child; the child keeps running. */
  'harness:error': ChildErrorRecord;
  /** Anything the SDK wrote to the console (echoed to the terminal only with `sdkLogs`). */
  'harness:console': ConsoleRecord;
}

export interface SdkEvent<N extends string, P> {
  /** Position in `events`, so `event.seq >= mark` selects events that came after a mark. */
  seq: number;
  event: N;
  payload: P;
  /** Epoch ms, taken in the child. */
  at: number;
}

/** The events an SDK's payload map lists, and any other. */
export type SdkEventName<Payloads> = (keyof Payloads & string) | (string & {});
/** The payload of the events named `N`: as `Payloads` lists it, or `Unlisted`. */
export type SdkPayloadOf<Payloads, Unlisted, N extends string> = N extends keyof Payloads ? Payloads[N] : Unlisted;
type EventOf<Payloads, Unlisted, N extends string> = SdkEvent<N, SdkPayloadOf<Payloads, Unlisted, N>>;

export interface SdkChildOptions {
  /** Names this client in error messages, e.g. the user id. */
  label?: string;
  /** Echo the SDK's logs and the child's output; defaults to `PARLEY_SDK_LOGS=1` in the environment. */
  sdkLogs?: boolean;
  /** Default time limit of each command. */
  commandTimeoutMs?: number;
  /** More environment for the child (`NODE_EXTRA_CA_CERTS` for a test's own certificate, say). */
  env?: NodeJS.ProcessEnv;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'event'; event: string; payload: unknown; at: number }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: { name: string; message: string; stack?: string } };

type AnyEvent = SdkEvent<string, unknown>;

interface PendingCommand {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  awaited: string;
  matches: (event: AnyEvent) => boolean;
  resolve: (event: AnyEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const liveChildren = new Set<ChildProcess>();
// Children also leave on their own when the IPC channel closes; this covers an orderly exit of the
// test process, which would otherwise not wait for them.
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/**
 * One SDK child. `Payloads` maps event names to their payloads; events it does not list carry
 * `Unlisted`. Subclasses start the child with `initialise` and decide how `close` ends it.
 */
export abstract class SdkChildProcess<Payloads, Unlisted> {
  readonly label: string;
  /** Resolves once the child has exited and whatever was waiting on it has failed. */
  protected readonly exited: Promise<void>;

  readonly #child: ChildProcess;
  readonly #events: AnyEvent[] = [];
  readonly #commandTimeoutMs: number;
  readonly #pending = new Map<number, PendingCommand>();
  readonly #waiters = new Set<EventWaiter>();
  #nextCommandId = 1;
  #outputTail = '';
  #exitDescription: string | null = null;
  #exitStatus: ExitStatus | null = null;

  /** Forks `script`; `kind` names the client in error messages when the options give no label. */
  protected constructor(script: string, kind: string, options: SdkChildOptions) {
    const echoOutput = options.sdkLogs ?? process.env.PARLEY_SDK_LOGS === '1';
    const child = fork(script, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // The test runner's own Node flags (loaders, conditions) are not for the child.
      execArgv: [],
      env: { ...process.env, ...options.env, PARLEY_SDK_LOGS: echoOutput ? '1' : '0' },
    });
    this.#child = child;
    this.label = options.label ?? `${kind} (pid ${child.pid})`;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
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
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        this.#exitStatus = { code, signal };
        this.#exitDescription = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.#failEverythingPending();
        resolve();
      });
    });
  }

  /** Everything the child reported so far, in order. */
  get events(): EventOf<Payloads, Unlisted, SdkEventName<Payloads>>[] {
    return this.#events as EventOf<Payloads, Unlisted, SdkEventName<Payloads>>[];
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How the child ended, once it has: a clean end is code 0 (for the Electron SDK, a SIGSEGV is its binding's crash at exit). */
  get exitStatus(): ExitStatus | null {
    return this.#exitStatus;
  }

  /**
   * Resolves with the first event named `name` (received earlier or later) for which `predicate`
   * holds. To wait for a new event only, take `const mark = client.events.length` beforehand and
   * test `event.seq >= mark` in the predicate.
   */
  waitForEvent<N extends SdkEventName<Payloads>>(
    name: N,
    predicate?: (payload: SdkPayloadOf<Payloads, Unlisted, N>, event: EventOf<Payloads, Unlisted, N>) => boolean,
    timeoutMs = DEFAULT_EVENT_TIMEOUT_MS,
  ): Promise<EventOf<Payloads, Unlisted, N>> {
    type Found = EventOf<Payloads, Unlisted, N>;
    const matches = (event: AnyEvent): boolean =>
      event.event === name && (predicate === undefined || predicate(event.payload as Found['payload'], event as Found));
    const seen = this.#events.find(matches);
    if (seen) return Promise.resolve(seen as Found);
    const awaited = `event ${name}${predicate ? ' matching the predicate' : ''}`;
    if (this.#exitDescription) return Promise.reject(this.#exitedError(awaited));

    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        awaited,
        matches,
        resolve: (event) => resolve(event as Found),
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
  payloadsOf<N extends SdkEventName<Payloads>>(name: N): SdkPayloadOf<Payloads, Unlisted, N>[] {
    return this.#events.filter((event) => event.event === name).map((event) => event.payload as SdkPayloadOf<Payloads, Unlisted, N>);
  }

  abstract close(): Promise<void>;

  protected get running(): boolean {
    return this.#exitDescription === null;
  }

  protected kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Waits until the child has loaded the SDK, then sends it `init`; closes the client if either fails. */
  protected async initialise(initArgs: object): Promise<void> {
    try {
      await this.#whenReady();
      await this.command('init', initArgs);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  protected command(name: string, args: object, timeoutMs = this.#commandTimeoutMs): Promise<unknown> {
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

  /** How an event's payload reads in error messages; subclasses describe their SDK's events. */
  protected describePayload({ event, payload }: AnyEvent): string {
    switch (event) {
      case 'harness:error': {
        const error = payload as ChildErrorRecord;
        return ` ${error.kind}: ${error.name}: ${error.message}`;
      }
      case 'harness:console': {
        const line = payload as ConsoleRecord;
        return ` ${line.level}: ${line.text.slice(0, 200)}`;
      }
      default:
        // Events without arguments: the Web SDK's carry null, the Electron SDK's an empty list.
        return payload === null || payload === undefined || (Array.isArray(payload) && payload.length === 0)
          ? ''
          : ` ${JSON.stringify(payload).slice(0, 200)}`;
    }
  }

  #whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.#timeoutError('the child to load the SDK', START_TIMEOUT_MS));
      }, START_TIMEOUT_MS);
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

  #onMessage(message: ChildMessage): void {
    if (message.type === 'event') {
      const event: AnyEvent = { seq: this.#events.length, event: message.event, payload: message.payload, at: message.at };
      this.#events.push(event);
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
    const listed = this.#events.slice(-EVENTS_LISTED_IN_ERRORS).map((event) => `  #${event.seq} ${event.event}${this.describePayload(event)}`);
    const omitted = this.#events.length - listed.length;
    return [`Events seen (${this.#events.length}):`, ...(omitted > 0 ? [`  … ${omitted} earlier`] : []), ...listed].join('\n');
  }
}
