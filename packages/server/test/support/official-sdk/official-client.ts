// Parent side of the official-SDK harness: each OfficialClient is one child process running the
// unmodified RongCloud Web SDK (see child.mjs), so one test can drive several simulated users.

import { fileURLToPath } from 'node:url';
import type {
  GetHistoryMessageResult,
  IAReceivedConversation,
  IAReceivedMessage,
  IConversationEvent,
  IMessagesEvent,
} from '@rongcloud/imlib-next';
import { SdkChildProcess, type ChildPayloads, type SdkChildOptions, type SdkEvent, type SdkEventName, type SdkPayloadOf } from '../sdk-child/sdk-child-process.js';

export type { ChildErrorRecord, ConsoleRecord } from '../sdk-child/sdk-child-process.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./child.mjs', import.meta.url));
const CLOSE_TIMEOUT_MS = 2_000;

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

/**
 * Payloads of the events tests use most. SDK payloads arrive as JSON, so class instances are plain
 * objects without methods. Events not listed here carry `unknown`.
 */
export interface EventPayloads extends ChildPayloads {
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
}

export type EventName = SdkEventName<EventPayloads>;
export type PayloadOf<N extends string> = SdkPayloadOf<EventPayloads, unknown, N>;
export type ClientEvent<N extends string = EventName> = SdkEvent<N, PayloadOf<N>>;

/** An SDK `RCResult` as received over IPC. */
export interface SdkResult<T> {
  code: number;
  msg?: string;
  data?: T;
}

export interface OfficialClientOptions extends SdkChildOptions {
  appKey: string;
  /** Navigation servers, e.g. `['http://127.0.0.1:PORT']`. */
  navigators?: string[];
  /** Any other `RongIMLib.init` options. */
  initOptions?: Record<string, unknown>;
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

/** The official Web SDK in a child process (see child.mjs). */
export class OfficialClient extends SdkChildProcess<EventPayloads, unknown> {
  private constructor(options: OfficialClientOptions) {
    super(CHILD_SCRIPT, 'official SDK client', options);
  }

  /** Forks a child, waits until it has loaded the SDK, and calls `RongIMLib.init`. */
  static async start(options: OfficialClientOptions): Promise<OfficialClient> {
    const client = new OfficialClient(options);
    await client.initialise({
      ...options.initOptions,
      appKey: options.appKey,
      ...(options.navigators ? { navigators: options.navigators } : {}),
    });
    return client;
  }

  /** Resolves with the SDK's result code (0 = connected) once `RongIMLib.connect` settles. */
  async connect(token: string, timeoutMs?: number): Promise<{ code: number; userId?: string }> {
    const result = (await this.command('connect', { token }, timeoutMs)) as SdkResult<{ userId: string }>;
    return result.data?.userId === undefined ? { code: result.code } : { code: result.code, userId: result.data.userId };
  }

  async disconnect(timeoutMs?: number): Promise<void> {
    await this.command('disconnect', {}, timeoutMs);
  }

  /** Sends a `RC:TxtMsg`; conversation types: 1 private, 3 group, 6 system. */
  async sendText(
    conversationType: number,
    targetId: string,
    text: string,
    timeoutMs?: number,
  ): Promise<SdkResult<IAReceivedMessage>> {
    return (await this.command('sendMessage', { conversationType, targetId, text }, timeoutMs)) as SdkResult<
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
    return (await this.command(
      'getHistoryMessages',
      { conversationType, targetId, ...options },
      timeoutMs,
    )) as SdkResult<GetHistoryMessageResult>;
  }

  async getConversationList(
    options: ConversationListOptions = {},
    timeoutMs?: number,
  ): Promise<SdkResult<IAReceivedConversation[]>> {
    return (await this.command('getConversationList', options, timeoutMs)) as SdkResult<IAReceivedConversation[]>;
  }

  /** Any SDK call the child exposes as a command (child.mjs), answered with the SDK's result. */
  async call<T = unknown>(command: string, args: Record<string, unknown>, timeoutMs?: number): Promise<SdkResult<T>> {
    return (await this.command(command, args, timeoutMs)) as SdkResult<T>;
  }

  get httpRequests(): HttpRequestRecord[] {
    return this.payloadsOf('harness:http');
  }

  get webSockets(): WebSocketRecord[] {
    return this.payloadsOf('harness:websocket');
  }

  /** Ends the child without an SDK disconnect (call `disconnect()` first to test a logout). */
  override async close(): Promise<void> {
    if (this.running) {
      // A child that does not leave when asked (a busy event loop, say) is killed.
      await this.command('exit', {}, CLOSE_TIMEOUT_MS).catch(() => this.kill('SIGKILL'));
    }
    await this.exited;
  }

  protected override describePayload(event: SdkEvent<string, unknown>): string {
    switch (event.event) {
      case 'harness:http': {
        const request = event.payload as HttpRequestRecord;
        return ` ${request.method} ${request.originalUrl}${request.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
      }
      case 'harness:websocket': {
        const socket = event.payload as WebSocketRecord;
        return ` ${socket.originalUrl}${socket.redirectedToClosedPort ? ' (sent to the closed port)' : ''}`;
      }
      case 'MESSAGES':
        return ` (${(event.payload as IMessagesEvent).messages.length} messages)`;
      default:
        return super.describePayload(event);
    }
  }
}
