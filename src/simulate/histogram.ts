/**
 * A bounded-memory latency histogram: logarithmic buckets 1% wide from 1 µs to ~3 hours (2,317
 * counters, whatever the number of samples), so percentiles are within 1% of the exact ones. The
 * sum, minimum and maximum are kept exactly.
 */
const MIN_MS = 0.001;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(1e7 / MIN_MS) / LOG_GROWTH) + 2;

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  record(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    let i = ms <= MIN_MS ? 0 : Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH) + 1;
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.counts[i]!++;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The value below which a share q (0..1) of the samples fall (the bucket's geometric middle, clamped to min/max). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketMiddle(i)));
    }
    return this.max;
  }

  /** Points (latency ms, cumulative share) for a CDF chart: one per non-empty bucket, at most `limit` (merged evenly). */
  cdf(limit = 200): Array<[number, number]> {
    const points: Array<[number, number]> = [];
    if (this.count === 0) return points;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const c = this.counts[i]!;
      if (c === 0) continue;
      seen += c;
      points.push([Math.min(this.max, bucketTop(i)), seen / this.count]);
    }
    if (points.length <= limit) return points;
    const step = points.length / limit;
    const kept: Array<[number, number]> = [];
    for (let k = 1; k <= limit; k++) kept.push(points[Math.min(points.length - 1, Math.round(k * step) - 1)]!);
    return kept;
  }
}

function bucketTop(i: number): number {
  return i === 0 ? MIN_MS : MIN_MS * GROWTH ** i;
}

function bucketMiddle(i: number): number {
  return i === 0 ? MIN_MS : MIN_MS * GROWTH ** (i - 0.5);
}
