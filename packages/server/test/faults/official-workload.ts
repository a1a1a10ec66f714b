import type { IAReceivedMessage } from '@rongcloud/imlib-next';
import { type ConversationType, type DeliveryChecker } from '../support/delivery-checker.js';
import { OfficialClient } from '../support/official-sdk/official-client.js';
import { sleep } from './workload.js';

/**
 * The fault suite's workload for the unmodified official RongCloud Web SDK: one child process per
 * user (see test/support/official-sdk), fed to the same DeliveryChecker as the @parley/client users
 * of `workload.ts`.
 *
 * The official SDK does not queue a send while disconnected: `sendMessage` resolves with an error
 * code instead. Such a send is not acked (the checker does not expect it anywhere; if the server did
 * store it, it must still arrive at most once) and the sender tries again, after a short wait, with
 * a new message (a new seq). It reconnects by itself: at once after a dropped socket, then every 5 s.
 */

/** How long a failed sender waits before its next attempt. */
const RETRY_AFTER_FAILURE_MS = 250;
/** The SDK's own send timeout is shorter; this only guards against a wedged child. */
const SEND_COMMAND_TIMEOUT_MS = 30_000;
/** How often the SDK's events are moved to the checker. */
const PUMP_INTERVAL_MS = 50;

export interface OfficialUser {
  userId: string;
  deviceId: string;
  client: OfficialClient;
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
  /** Position in `client.events` up to which events were given to the checker. */
  cursor: number;
  stopped: boolean;
}

export class OfficialFleet {
  readonly users: OfficialUser[] = [];
  private readonly pump: NodeJS.Timeout;

  constructor(
    readonly checker: DeliveryChecker,
    private readonly appKey: string,
    private readonly navigators: string[],
  ) {
    this.pump = setInterval(() => this.drain(), PUMP_INTERVAL_MS);
  }

  /** Starts the user's SDK child, connects it and records it as a recipient device. */
  async add(userId: string, token: string): Promise<OfficialUser> {
    const deviceId = `${userId}-official`;
    const client = await OfficialClient.start({ appKey: this.appKey, navigators: this.navigators, label: userId, commandTimeoutMs: SEND_COMMAND_TIMEOUT_MS });
    const user: OfficialUser = { userId, deviceId, client, failed: [], commandErrors: [], acked: 0, ackedTexts: new Set(), echoes: new Map(), cursor: 0, stopped: false };
    this.users.push(user);
    this.checker.addDevice(userId, deviceId);
    const connected = await client.connect(token);
    if (connected.code !== 0) throw new Error(`official SDK ${userId}: connect answered ${connected.code}`);
    return user;
  }

  /** Moves every MESSAGES event seen so far to the checker, in the order the app saw them. */
  drain(): void {
    for (const user of this.users) {
      const events = user.client.events;
      for (; user.cursor < events.length; user.cursor++) {
        const event = events[user.cursor]!;
        if (event.event !== 'MESSAGES') continue;
        const messages = (event.payload as { messages: IAReceivedMessage[] }).messages;
        const incoming: IAReceivedMessage[] = [];
        for (const m of messages) {
          if (m.messageDirection === 2) incoming.push(m);
          else {
            const text = String((m.content as { content?: unknown }).content ?? '');
            if (text.startsWith('ck|')) user.echoes.set(text, (user.echoes.get(text) ?? 0) + 1);
          }
        }
        this.checker.delivered(
          user.deviceId,
          incoming.map((m) => ({
            senderUserId: m.senderUserId,
            conversationType: m.conversationType,
            targetId: m.targetId,
            messageUId: m.messageUId,
            text: String((m.content as { content?: unknown }).content ?? ''),
          })),
        );
      }
    }
  }

  /** How many times a user's SDK reported an event (e.g. CONNECTED, SUSPEND) so far. */
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
            const result = await sender.client.sendText(target.type, target.id, text);
            code = result.code;
            uid = result.data?.messageUId;
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
