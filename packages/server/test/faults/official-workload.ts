import type { IAReceivedMessage } from '@rongcloud/imlib-next';
import { type ConversationType, type DeliveryChecker } from '../support/delivery-checker.js';
import { OfficialClient } from '../support/official-sdk/official-client.js';
import { NativeClient, type NativeMessage } from '../support/official-native/native-client.js';
import { sleep } from './workload.js';

/**
 * The fault suite's workload for RongCloud's unmodified official SDKs, each user a child process:
 * the Web SDK (test/support/official-sdk) and the native stack through the Electron SDK
 * (test/support/official-native). Both are fed to the same DeliveryChecker as the @parley/client
 * users of `workload.ts`.
 *
 * Neither SDK queues a send while disconnected: the send resolves with an error code instead. Such
 * a send is not acked (the checker does not expect it anywhere; if the server did store it, it must
 * still arrive at most once) and the sender tries again, after a short wait, with a new message (a
 * new seq). Both reconnect by themselves.
 */

/** How long a failed sender waits before its next attempt. */
const RETRY_AFTER_FAILURE_MS = 250;
/** The SDKs' own send timeouts are shorter; this only guards against a wedged child. */
const SEND_COMMAND_TIMEOUT_MS = 30_000;
/** How often the SDKs' events are moved to the checker. */
const PUMP_INTERVAL_MS = 50;

/** A message as the app saw it, in the terms both SDKs share. */
interface SeenMessage {
  direction: number;
  senderUserId: string;
  conversationType: number;
  targetId: string;
  messageUId: string;
  text: string;
}

/** What the fleet needs of an SDK child: connect, send, and the messages its app saw, by event position. */
export interface ChildSdk {
  readonly events: { event: string }[];
  connect(token: string): Promise<{ code: number }>;
  sendText(type: ConversationType, targetId: string, text: string): Promise<{ code: number; messageUId: string | undefined }>;
  /** The messages of the event at `index` (none when it is no message event). */
  messagesOf(index: number): SeenMessage[];
  close(): Promise<void>;
}

/** The fields both SDKs' messages have, as the fleet reads them. */
function seenMessage(m: Pick<NativeMessage, 'messageDirection' | 'senderUserId' | 'conversationType' | 'targetId' | 'messageUId' | 'content'>): SeenMessage {
  return {
    direction: m.messageDirection,
    senderUserId: m.senderUserId,
    conversationType: m.conversationType,
    targetId: m.targetId,
    messageUId: m.messageUId,
    text: String((m.content as { content?: unknown } | undefined)?.content ?? ''),
  };
}

/** The Web SDK: messages come in `MESSAGES` events. */
async function startWebSdk(appKey: string, navigators: string[], userId: string): Promise<ChildSdk> {
  const client = await OfficialClient.start({ appKey, navigators, label: userId, commandTimeoutMs: SEND_COMMAND_TIMEOUT_MS });
  return {
    events: client.events,
    connect: (token) => client.connect(token),
    sendText: async (type, targetId, text) => {
      const result = await client.sendText(type, targetId, text);
      return { code: result.code, messageUId: result.data?.messageUId };
    },
    messagesOf: (index) => {
      const event = client.events[index];
      if (event?.event !== 'MESSAGES') return [];
      return (event.payload as { messages: IAReceivedMessage[] }).messages.map(seenMessage);
    },
    close: () => client.close(),
  };
}

/** The native stack (Electron SDK): messages come in `batchMessage` events. */
async function startNativeSdk(appKey: string, navigators: string[], userId: string, deviceId: string): Promise<ChildSdk> {
  const client = await NativeClient.start({ appKey, navigators, deviceId, label: userId, commandTimeoutMs: SEND_COMMAND_TIMEOUT_MS });
  return {
    events: client.events,
    connect: (token) => client.connect(token),
    sendText: async (type, targetId, text) => {
      const result = await client.sendText(type, targetId, text);
      return { code: result.code, messageUId: result.code === 0 ? result.messageUId : undefined };
    },
    messagesOf: (index) => {
      const event = client.events[index];
      if (event?.event !== 'batchMessage') return [];
      return (event.payload as [NativeMessage[]])[0].map(seenMessage);
    },
    close: () => client.close(),
  };
}

export interface OfficialUser {
  userId: string;
  deviceId: string;
  client: ChildSdk;
  /** Codes of sends that did not end acked (refused, failed while disconnected, timed out in the SDK). */
  failed: number[];
  /** Harness-level failures of a send (the command timed out or the child died). */
  commandErrors: string[];
  acked: number;
  /** Texts of this user's sends the server acked. */
  ackedTexts: Set<string>;
  /**
   * Checker texts seen with direction 1 (this user's own messages coming back from the server's
   * outbox), with how often. The SDK drops those it has in its sent record (its acked sends); a send
   * whose ack was lost in a crash but which the server stored comes back once, as a message "sent
   * from another device".
   */
  echoes: Map<string, number>;
  /** Everyone this device received a checker message from (direction 2). */
  senders: Set<string>;
  /** Position in `client.events` up to which events were given to the checker. */
  cursor: number;
  stopped: boolean;
}

export class OfficialFleet {
  readonly users: OfficialUser[] = [];
  private readonly pump: NodeJS.Timeout;

  /** `sdk`: which official SDK the fleet's users run. */
  constructor(
    readonly checker: DeliveryChecker,
    private readonly appKey: string,
    private readonly navigators: string[],
    private readonly sdk: 'web' | 'native' = 'web',
  ) {
    this.pump = setInterval(() => this.drain(), PUMP_INTERVAL_MS);
  }

  /** Starts the user's SDK child, connects it and records it as a recipient device. */
  async add(userId: string, token: string): Promise<OfficialUser> {
    const deviceId = `${userId}-${this.sdk === 'web' ? 'official' : 'native'}`;
    const client = this.sdk === 'web' ? await startWebSdk(this.appKey, this.navigators, userId) : await startNativeSdk(this.appKey, this.navigators, userId, deviceId);
    const user: OfficialUser = {
      userId, deviceId, client, failed: [], commandErrors: [], acked: 0, ackedTexts: new Set(), echoes: new Map(), senders: new Set(), cursor: 0, stopped: false,
    };
    this.users.push(user);
    this.checker.addDevice(userId, deviceId);
    const connected = await client.connect(token);
    if (connected.code !== 0) throw new Error(`official ${this.sdk} SDK ${userId}: connect answered ${connected.code}`);
    return user;
  }

  /** Moves every message event seen so far to the checker, in the order the app saw them. */
  drain(): void {
    for (const user of this.users) {
      for (; user.cursor < user.client.events.length; user.cursor++) {
        const incoming: SeenMessage[] = [];
        for (const m of user.client.messagesOf(user.cursor)) {
          if (m.direction === 2) {
            incoming.push(m);
            if (m.text.startsWith('ck|')) user.senders.add(m.senderUserId);
          } else if (m.text.startsWith('ck|')) {
            user.echoes.set(m.text, (user.echoes.get(m.text) ?? 0) + 1);
          }
        }
        this.checker.delivered(
          user.deviceId,
          incoming.map(({ senderUserId, conversationType, targetId, messageUId, text }) => ({ senderUserId, conversationType, targetId, messageUId, text })),
        );
      }
    }
  }

  /** How many times a user's SDK reported an event (e.g. CONNECTED, onConnected) so far. */
  countEvents(user: OfficialUser, name: string): number {
    return user.client.events.filter((e) => e.event === name).length;
  }

  /**
   * Each sender makes up to `attempts` sends, one at a time, round-robin over its targets; a failed
   * send is retried to the same target with a new message after a short wait.
   */
  async traffic(plan: { sender: OfficialUser; targets: { type: ConversationType; id: string }[]; attempts: number; pauseMs?: number; until?: () => boolean }[]): Promise<void> {
    await Promise.all(
      plan.map(async ({ sender, targets, attempts, pauseMs, until }) => {
        let next = 0;
        for (let i = 0; i < attempts && !sender.stopped && !(until?.() ?? false); i++) {
          const target = targets[next % targets.length]!;
          const { key, text } = this.checker.next(sender.userId, target.type, target.id);
          let code: number;
          let uid: string | undefined;
          try {
            ({ code, messageUId: uid } = await sender.client.sendText(target.type, target.id, text));
          } catch (error) {
            sender.commandErrors.push(error instanceof Error ? error.message.split('\n')[0]! : String(error));
            code = -1;
          }
          if (code === 0 && uid) {
            this.checker.acked(key, uid);
            sender.acked++;
            sender.ackedTexts.add(text);
            next++;
            if (pauseMs) await sleep(pauseMs);
          } else {
            sender.failed.push(code);
            await sleep(RETRY_AFTER_FAILURE_MS);
          }
        }
      }),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.pump);
    await Promise.all(this.users.map((u) => u.client.close()));
  }
}
