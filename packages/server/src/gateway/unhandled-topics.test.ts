import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { UnhandledTopics } from './unhandled-topics.js';

describe('unhandled topics', () => {
  function reporter() {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    let now = 0;
    const metrics = new Registry();
    return { topics: new UnhandledTopics(metrics, logger, () => now), lines, metrics, advance: (ms: number) => (now += ms) };
  }

  it('counts every frame and logs a topic at most once a minute, with the SDK version', async () => {
    const { topics, lines, metrics, advance } = reporter();
    topics.seen('recallMsg', '5.38.0');
    topics.seen('recallMsg', '5.38.0');
    advance(59_999);
    topics.seen('recallMsg', '5.38.0');
    advance(1);
    topics.seen('recallMsg', '5.46.1');
    expect(lines.map((l) => [l.topic, l.sdkVersion])).toEqual([['recallMsg', '5.38.0'], ['recallMsg', '5.46.1']]);
    expect(await metrics.getSingleMetricAsString('parley_gateway_unhandled_topics_total')).toContain('{topic="recallMsg"} 4');
  });

  it('folds topics outside the protocol into one label, so clients cannot add series', async () => {
    const { topics, metrics } = reporter();
    for (let i = 0; i < 50; i++) topics.seen(`made-up-${i}`, undefined);
    const text = await metrics.getSingleMetricAsString('parley_gateway_unhandled_topics_total');
    expect(text).toContain('{topic="other"} 50');
    expect(text).not.toContain('made-up');
  });
});
