import type { Registry } from 'prom-client';

export interface StatsSample {
  /** ms since the epoch. */
  at: number;
  connections: number;
  connectsPerSecond: number;
  messagesPerSecond: number;
}

export interface LiveStatsOptions {
  intervalMs: number;
  windowMs: number;
}

const defaultLiveStatsOptions: LiveStatsOptions = { intervalMs: 5000, windowMs: 15 * 60_000 };

/** The metrics the figures come from; the gateway and the send path own them. */
const CONNECTIONS = 'parley_gateway_connections';
const CONNECTS = 'parley_gateway_connects_total';
const MESSAGES = 'parley_messages_total';

/**
 * The console's live figures: open connections, and connects and messages per second, sampled
 * from this process's Prometheus registry every few seconds into a window of the last minutes.
 * Reading the registry keeps the gateway and the send path free of console concerns.
 */
export class LiveStats {
  private readonly samples: StatsSample[] = [];
  private previous: { at: number; connects: number; messages: number } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Registry,
    readonly options: LiveStatsOptions = defaultLiveStatsOptions,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Oldest first. */
  series(): StatsSample[] {
    return [...this.samples];
  }

  /** Connections right now; the rates of the latest sample (0 before there are two samples). */
  async current(): Promise<StatsSample> {
    const latest = this.samples.at(-1);
    return {
      at: this.now(),
      connections: await this.read(CONNECTIONS),
      connectsPerSecond: latest?.connectsPerSecond ?? 0,
      messagesPerSecond: latest?.messagesPerSecond ?? 0,
    };
  }

  private async sample(): Promise<void> {
    const at = this.now();
    const connects = await this.read(CONNECTS, { result: 'accepted' });
    const messages = await this.read(MESSAGES);
    const connections = await this.read(CONNECTIONS);
    const previous = this.previous;
    this.previous = { at, connects, messages };
    if (!previous || at <= previous.at) return;
    const seconds = (at - previous.at) / 1000;
    this.samples.push({
      at,
      connections,
      connectsPerSecond: round((connects - previous.connects) / seconds),
      messagesPerSecond: round((messages - previous.messages) / seconds),
    });
    const oldest = at - this.options.windowMs;
    while ((this.samples[0]?.at ?? at) < oldest) this.samples.shift();
  }

  /** The sum of a metric's series whose labels match; 0 for a metric not registered (yet). */
  private async read(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return 0;
    const { values } = await metric.get();
    return values
      .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
      .reduce((sum, v) => sum + v.value, 0);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
