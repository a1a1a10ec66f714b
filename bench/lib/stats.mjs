import { performance } from 'node:perf_hooks';

// Latency histograms that merge across processes: sparse buckets, 0.05 ms wide below 100 ms,
// 1 ms wide below 10 s, 100 ms wide above. Percentiles are read as the bucket's upper edge.

/** @param {number} ms */
function bucketOf(ms) {
  if (ms < 0) ms = 0;
  if (ms < 100) return Math.floor(ms * 20);
  if (ms < 10_000) return 2000 + Math.floor(ms - 100);
  return 11_900 + Math.floor((ms - 10_000) / 100);
}

/** @param {number} b */
function upperEdgeOf(b) {
  if (b < 2000) return (b + 1) / 20;
  if (b < 11_900) return b - 2000 + 100 + 1;
  return (b - 11_900 + 1) * 100 + 10_000;
}

export class Hist {
  constructor() {
    /** @type {Map<number, number>} */
    this.buckets = new Map();
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }

  /** @param {number} ms */
  record(ms) {
    const b = bucketOf(ms);
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** @param {{buckets: [number, number][], count: number, sum: number, max: number} | undefined} json */
  merge(json) {
    if (!json) return this;
    for (const [b, n] of json.buckets) this.buckets.set(b, (this.buckets.get(b) ?? 0) + n);
    this.count += json.count;
    this.sum += json.sum;
    this.max = Math.max(this.max, json.max);
    return this;
  }

  /** @param {number} p 0..100 */
  percentile(p) {
    if (this.count === 0) return null;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (const b of [...this.buckets.keys()].sort((x, y) => x - y)) {
      seen += /** @type {number} */ (this.buckets.get(b));
      if (seen >= rank) return Math.min(upperEdgeOf(b), this.max);
    }
    return this.max;
  }

  summary() {
    return {
      count: this.count,
      mean: this.count ? round(this.sum / this.count) : null,
      p50: round(this.percentile(50)),
      p90: round(this.percentile(90)),
      p99: round(this.percentile(99)),
      max: round(this.max),
    };
  }

  toJSON() {
    return { buckets: [...this.buckets], count: this.count, sum: this.sum, max: this.max };
  }
}

/** @param {number | null} x */
export function round(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Milliseconds on a clock shared by every process on this machine, with sub-ms resolution. */
export const now = () => performance.timeOrigin + performance.now();

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
