import { bilingual, fill, h, svg } from '../shared/dom.js';
import { admin, type Stats, type StatsSample } from './admin-api.js';

const METRICS = [
  { key: 'connections', zh: '在线连接', en: 'Connections', unit: '' },
  { key: 'connectsPerSecond', zh: '连接/秒', en: 'Connects/s', unit: '/s' },
  { key: 'messagesPerSecond', zh: '消息/秒', en: 'Messages/s', unit: '/s' },
] as const;

const WIDTH = 760;
const ROW = 64;
const GAP = 22;
const LEFT = 110;
const RIGHT = 48;
const TOP = 8;
const AXIS = 22;

/** The live figures and their chart, polled at the server's sampling interval. */
export class StatsPanel {
  readonly element: HTMLElement;
  private readonly figures = h('div', { class: 'figures' });
  private readonly chart = h('div', { class: 'chart', 'data-testid': 'stats-chart' });
  private readonly note = h('p', { class: 'hint' });
  private timer: number | undefined;

  constructor() {
    this.element = h(
      'section',
      { class: 'card stats' },
      h('h2', {}, bilingual('实时数据', 'Live figures')),
      this.figures,
      this.chart,
      this.note,
    );
  }

  async start(): Promise<void> {
    const stats = await this.poll();
    this.timer = window.setInterval(() => void this.poll().catch(() => undefined), stats.intervalMs);
  }

  stop(): void {
    window.clearInterval(this.timer);
  }

  private async poll(): Promise<Stats> {
    const stats = await admin<Stats>('GET', '/stats');
    fill(
      this.figures,
      ...METRICS.map((m) =>
        h('div', { class: 'figure', 'data-figure': m.key }, h('span', { class: 'value' }, format(stats.current[m.key])), bilingual(m.zh, m.en)),
      ),
    );
    fill(this.chart, drawChart(stats.series, stats.windowMs, stats.current.at));
    fill(
      this.note,
      `每 ${stats.intervalMs / 1000} 秒采样一次，显示最近 ${stats.windowMs / 60_000} 分钟 · Sampled every ${stats.intervalMs / 1000} s, last ${stats.windowMs / 60_000} minutes (this server process).`,
    );
    return stats;
  }
}

function drawChart(series: StatsSample[], windowMs: number, now: number): SVGSVGElement {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const height = TOP + METRICS.length * (ROW + GAP) + AXIS - GAP;
  const x = (at: number) => LEFT + ((at - (now - windowMs)) / windowMs) * plotWidth;
  const rows = METRICS.map((m, i) => {
    const top = TOP + i * (ROW + GAP);
    const max = niceMax(Math.max(0, ...series.map((s) => s[m.key])));
    const y = (v: number) => top + ROW - (v / max) * ROW;
    const points = series.map((s) => `${x(s.at).toFixed(1)},${y(s[m.key]).toFixed(1)}`);
    return svg(
      'g',
      { class: `series series-${i}` },
      svg('text', { x: 0, y: top + 14, class: 'label' }, m.zh),
      svg('text', { x: 0, y: top + 30, class: 'label en' }, m.en),
      svg('line', { x1: LEFT, x2: LEFT + plotWidth, y1: top, y2: top, class: 'grid' }),
      svg('line', { x1: LEFT, x2: LEFT + plotWidth, y1: top + ROW, y2: top + ROW, class: 'axis' }),
      svg('text', { x: LEFT + plotWidth + 6, y: top + 4, class: 'tick' }, `${format(max)}${m.unit}`),
      svg('text', { x: LEFT + plotWidth + 6, y: top + ROW + 4, class: 'tick' }, '0'),
      points.length > 1 ? svg('path', { d: `M${points[0]} L${points.join(' L')} L${x(series.at(-1)?.at ?? now).toFixed(1)},${top + ROW} L${x(series[0]?.at ?? now).toFixed(1)},${top + ROW} Z`, class: 'area' }) : null,
      points.length > 0 ? svg('polyline', { points: points.join(' '), class: 'line' }) : null,
    );
  });
  const minutes = windowMs / 60_000;
  const ticks = [minutes, (minutes * 2) / 3, minutes / 3, 0].map((m) =>
    svg('text', { x: x(now - m * 60_000), y: height - 4, class: 'tick', 'text-anchor': m === 0 ? 'end' : 'middle' }, m === 0 ? '现在 now' : `−${Math.round(m)} min`),
  );
  const empty = series.length < 2 ? svg('text', { x: LEFT + plotWidth / 2, y: height / 2, class: 'waiting', 'text-anchor': 'middle' }, '等待采样… waiting for samples') : null;
  return svg('svg', { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': 'Connections, connects per second and messages per second over the last minutes' }, ...rows, ...ticks, empty);
}

/** 1, 2, 5 × 10^n at or above the value, so the scale reads well. */
function niceMax(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((f) => f * power >= value) ?? 10) * power;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}
