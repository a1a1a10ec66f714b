import { expect } from 'vitest';
import { ConnectionStatus, IMClient, type Message } from '@parley/client';
import { DeliveryChecker, summarize, type CheckReport, type ConversationType } from '../support/delivery-checker.js';
import { callServerApi, type Credentials } from '../support/server-api-client.js';
import { makeTempDir } from '../support/temp-dir.js';

/** `PARLEY_FAULTS_LONG=1` (npm run test:faults) scales every workload up. */
export const LONG = process.env.PARLEY_FAULTS_LONG === '1';
export const scale = (ci: number, long: number) => (LONG ? long : ci);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Longest a single send may stay unresolved before the workload calls it stalled. */
const SEND_STALL_MS = 45_000;

export async function tokenFor(url: string, creds: Credentials, userId: string): Promise<string> {
  const response = await callServerApi(url, 'user/getToken', { userId }, creds);
  if (response.body.code !== 200) throw new Error(`getToken ${userId}: ${JSON.stringify(response.body)}`);
  return String(response.body.token);
}

export interface SdkUser {
  userId: string;
  deviceId: string;
  client: IMClient;
  statuses: ConnectionStatus[];
  /** Codes of sends the server refused (not acked; not expected anywhere). */
  refused: number[];
  /** Set to stop this user's sender loop (kicked, blocked). */
  stopped: boolean;
  stop(): void;
  whenStopped: Promise<void>;
}

/** @parley/client users, each with its own local database, recorded by the checker as recipient devices. */
export class SdkFleet {
  readonly users: SdkUser[] = [];
  private readonly dir = makeTempDir('parley-faults-');

  constructor(
    readonly checker: DeliveryChecker,
    private readonly appKey: string,
    private readonly navigators: string[] = [],
  ) {}

  async add(userId: string, token: string, options: { deviceId?: string; platform?: 'desktop' | 'mobile' | 'web'; recipient?: boolean } = {}): Promise<SdkUser> {
    const deviceId = options.deviceId ?? `${userId}-dev`;
    const client = new IMClient();
    client.init(this.appKey, { navigators: this.navigators, dataDir: `${this.dir.path}/${deviceId}`, deviceId, keepAliveSeconds: 1, platform: options.platform ?? 'desktop' });
    let stop!: () => void;
    const whenStopped = new Promise<void>((resolve) => (stop = resolve));
    const user: SdkUser = {
      userId,
      deviceId,
      client,
      statuses: [],
      refused: [],
      stopped: false,
      stop: () => {
        user.stopped = true;
        stop();
      },
      whenStopped,
    };
    client.addConnectionStatusListener((status) => user.statuses.push(status));
    if (options.recipient !== false) this.checker.addDevice(userId, deviceId);
    client.addMessageListener((messages: Message[]) =>
      this.checker.delivered(
        deviceId,
        messages
          .filter((m) => m.messageDirection === 2)
          .map((m) => ({ senderUserId: m.senderUserId, conversationType: m.conversationType, targetId: m.targetId, messageUId: m.messageUId, text: String((m.content as { content?: unknown }).content ?? '') })),
      ),
    );
    await client.connectAsync(token);
    this.users.push(user);
    return user;
  }

  /**
   * Each sender sends `count` messages, one at a time, round-robin over its targets, and tells the
   * checker about each send and ack. Resolves when all are done or their sender was stopped.
   */
  async traffic(plan: { sender: SdkUser; targets: { type: ConversationType; id: string }[]; count: number; pauseMs?: number; until?: () => boolean }[]): Promise<void> {
    await Promise.all(
      plan.map(async ({ sender, targets, count, pauseMs, until }) => {
        for (let i = 0; i < count && !sender.stopped && !(until?.() ?? false); i++) {
          const target = targets[i % targets.length]!;
          const { key, text } = this.checker.next(sender.userId, target.type, target.id);
          const sending = sender.client.sendMessage(target.type, target.id, { objectName: 'RC:TxtMsg', content: { content: text } });
          let timer: NodeJS.Timeout | undefined;
          const outcome = await Promise.race([
            sending.then(
              (m) => ({ kind: 'acked' as const, uid: m.messageUId }),
              (e: unknown) => ({ kind: 'refused' as const, code: Number((e as { code?: unknown }).code ?? -1) }),
            ),
            sender.whenStopped.then(() => ({ kind: 'stopped' as const })),
            new Promise<{ kind: 'stalled' }>((resolve) => (timer = setTimeout(() => resolve({ kind: 'stalled' }), SEND_STALL_MS))),
          ]);
          clearTimeout(timer);
          if (outcome.kind === 'acked') this.checker.acked(key, outcome.uid);
          else if (outcome.kind === 'refused') sender.refused.push(outcome.code);
          else if (outcome.kind === 'stalled') throw new Error(`${sender.userId}: send ${text} unresolved after ${SEND_STALL_MS} ms (status ${sender.client.getCurrentConnectionStatus()})`);
          if (pauseMs) await sleep(pauseMs);
        }
      }),
    );
  }

  /** Waits until nothing is lost (or the time is up), lets stragglers arrive, and returns the report. */
  async settle(timeoutMs = 30_000): Promise<CheckReport> {
    const deadline = Date.now() + timeoutMs;
    while (!this.checker.complete() && Date.now() < deadline) await sleep(100);
    await sleep(LONG ? 2000 : 700);
    return this.checker.verify();
  }

  async close(): Promise<void> {
    for (const u of this.users) u.client.disconnect();
    await sleep(50);
    this.dir.remove();
  }
}

/** Asserts the checker's invariants and prints the figures line. */
export function expectClean(name: string, report: CheckReport, faults: number, minAcked: number): void {
  console.log(summarize(name, report, faults));
  expect(report.examples, summarize(name, report, faults)).toEqual([]);
  expect(report).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, phantom: 0 });
  expect(report.acked).toBeGreaterThanOrEqual(minAcked);
  expect(report.expectedDeliveries).toBeGreaterThan(0);
}

/** A full mesh: every user sends to every other user. */
export function mesh(users: SdkUser[], count: number, pauseMs = 0, until?: () => boolean) {
  return users.map((sender) => ({ sender, targets: users.filter((u) => u.userId !== sender.userId).map((u) => ({ type: 1 as const, id: u.userId })), count, pauseMs, until }));
}
