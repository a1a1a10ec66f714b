import { Topic } from '@parley/protocol';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

/** One log line per topic in this long at most: enough to see what clients miss, not a flood. */
const LOG_EVERY_MS = 60_000;

const KNOWN_TOPICS: ReadonlySet<string> = new Set(Object.values(Topic));

/**
 * What clients ask for that Parley does not serve: each unhandled topic is counted in `/metrics`
 * (`parley_gateway_unhandled_topics_total{topic}`) and logged at warn at most once a minute, with
 * the SDK version that asked, so an operator sees what clients are missing. Topics outside the
 * protocol's table count as `other`, so a client cannot grow the metric's series at will.
 */
export class UnhandledTopics {
  private readonly counter: Counter<'topic'>;
  private readonly lastLogged = new Map<string, number>();

  constructor(
    metrics: Registry,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.counter = new Counter({
      name: 'parley_gateway_unhandled_topics_total',
      help: 'QUERY and PUBLISH frames on topics Parley does not serve (answered 20606), by topic',
      labelNames: ['topic'],
      registers: [metrics],
    });
  }

  seen(topic: string, sdkVersion: string | undefined): void {
    const label = KNOWN_TOPICS.has(topic) ? topic : 'other';
    this.counter.inc({ topic: label });
    const t = this.now();
    if (t - (this.lastLogged.get(label) ?? -Infinity) < LOG_EVERY_MS) return;
    this.lastLogged.set(label, t);
    this.logger.warn({ topic: label, sdkVersion: sdkVersion ?? 'unknown' }, 'a client asked for a topic Parley does not serve');
  }
}
