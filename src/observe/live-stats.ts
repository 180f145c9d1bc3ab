// Live numbers for the dashboard: a 1 s sampler that reads the data path's cumulative counters
// (traffic-stats.ts) and turns them into per-second rates, error rates and latency percentiles,
// keeping a ring of the last minutes for the charts. It only reads counters: no work is added to
// the request path.
import { DURATION_BUCKETS, type TrafficStatsRegistry } from './traffic-stats.js';

const BUCKETS = DURATION_BUCKETS.length + 1; // the last slot is +Inf
const CLASS_5XX = 5;

/** The live numbers of a service or a backend at one sample. Latencies in ms; null when there was no request. */
export interface LiveNumbers {
  /** requests per second over the last sample interval */
  rps: number;
  /** 5xx / all responses over the window; null without responses */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** requests counted in the window the percentiles and error rate come from */
  windowRequests: number;
}

/** One series of a chart, aligned on LiveStats.times(): null where there was no data yet. */
export interface LiveSeries {
  rps: (number | null)[];
  errorRate: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

export interface LiveStatsOptions {
  /** ms between samples (default 1000) */
  intervalMs?: number;
  /** samples kept for the charts (default 300: 5 minutes at 1 s) */
  history?: number;
  /** samples the error rate and percentiles are computed over (default 5) */
  window?: number;
}

/**
 * Per-sample deltas and the numbers derived from them for one key (a service, or a backend of a
 * service), in rings indexed by the sample number modulo the history size.
 */
class KeyRing {
  readonly count: Float64Array;
  readonly errors: Float64Array;
  readonly buckets: Float64Array;
  readonly numbers: { [K in keyof LiveSeries]: Float64Array };
  /** cumulative totals at the previous sample */
  prevCount = 0;
  prevErrors = 0;
  readonly prevBuckets = new Float64Array(BUCKETS);
  /** the first sample number this key has data for */
  firstSample: number;

  constructor(size: number, firstSample: number) {
    this.count = new Float64Array(size);
    this.errors = new Float64Array(size);
    this.buckets = new Float64Array(size * BUCKETS);
    const nan = () => new Float64Array(size).fill(NaN);
    this.numbers = { rps: nan(), errorRate: nan(), p50: nan(), p95: nan(), p99: nan() };
    this.firstSample = firstSample;
  }
}

/** Cumulative totals of one key at one sample, summed over routes. */
interface Totals {
  count: number;
  errors: number;
  buckets: Float64Array;
}

/** The key of a backend of a service. */
export function backendKey(service: string, backend: string): string {
  return service + '\u0000' + backend;
}

export class LiveStats {
  readonly intervalMs: number;
  readonly history: number;
  readonly window: number;
  private readonly times: Float64Array;
  private readonly dts: Float64Array;
  private readonly rings = new Map<string, KeyRing>();
  /** samples taken so far; the latest is samples - 1 */
  private samples = 0;
  private lastAt = 0;
  private baselined = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly stats: TrafficStatsRegistry,
    options: LiveStatsOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.history = options.history ?? 300;
    this.window = options.window ?? 5;
    this.times = new Float64Array(this.history);
    this.dts = new Float64Array(this.history);
  }

  /** Samples every intervalMs until stop(); the first sample only records a baseline. */
  start(): void {
    if (this.timer !== null) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Called after every sample; returns the function that unsubscribes. */
  onSample(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the counters and records the deltas since the previous call. The first call records a
   * baseline only, so traffic before the sampler started is not shown as one huge second.
   */
  sample(now = Date.now()): void {
    const totals = this.readTotals();
    if (!this.baselined) {
      for (const [key, t] of totals) this.baseline(this.ringOf(key, 0), t);
      this.baselined = true;
      this.lastAt = now;
      return;
    }
    const n = this.samples++;
    const slot = n % this.history;
    const dt = Math.max(0.001, (now - this.lastAt) / 1000);
    this.lastAt = now;
    this.times[slot] = now;
    this.dts[slot] = dt;
    for (const [key, t] of totals) {
      const ring = this.ringOf(key, n);
      // counters never go backwards while the process lives; if they did, take the new total as the delta
      const reset = t.count < ring.prevCount;
      ring.count[slot] = reset ? t.count : t.count - ring.prevCount;
      ring.errors[slot] = reset ? t.errors : t.errors - ring.prevErrors;
      for (let b = 0; b < BUCKETS; b++) ring.buckets[slot * BUCKETS + b] = reset ? t.buckets[b]! : t.buckets[b]! - ring.prevBuckets[b]!;
      this.baseline(ring, t);
    }
    // keys seen before but absent now (not expected: counters are kept) read as no traffic
    for (const [key, ring] of this.rings) {
      if (!totals.has(key)) {
        ring.count[slot] = 0;
        ring.errors[slot] = 0;
        ring.buckets.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS);
      }
      this.derive(ring, n);
    }
    for (const listener of this.listeners) listener();
  }

  /** When the latest sample was taken (ms since the epoch), 0 before the first one. */
  get latestAt(): number {
    return this.samples === 0 ? 0 : this.times[(this.samples - 1) % this.history]!;
  }

  /** The latest numbers of a service. */
  service(name: string): LiveNumbers {
    return this.latest(name);
  }

  /** The latest numbers of a backend (by its address) of a service. */
  backend(service: string, address: string): LiveNumbers {
    return this.latest(backendKey(service, address));
  }

  /** The sample times (ms since the epoch), oldest first: the x axis of every series. */
  timeline(): number[] {
    const out: number[] = [];
    for (let n = Math.max(0, this.samples - this.history); n < this.samples; n++) out.push(this.times[n % this.history]!);
    return out;
  }

  /** The chart series of a service or backend key, aligned on timeline(). */
  series(key: string): LiveSeries {
    const ring = this.rings.get(key);
    const out: LiveSeries = { rps: [], errorRate: [], p50: [], p95: [], p99: [] };
    for (let n = Math.max(0, this.samples - this.history); n < this.samples; n++) {
      const slot = n % this.history;
      for (const name of Object.keys(out) as (keyof LiveSeries)[]) {
        const value = ring === undefined || n < ring.firstSample ? NaN : ring.numbers[name][slot]!;
        out[name].push(Number.isNaN(value) ? null : value);
      }
    }
    return out;
  }

  private latest(key: string): LiveNumbers {
    const ring = this.rings.get(key);
    const n = this.samples - 1;
    if (ring === undefined || n < ring.firstSample) return { rps: 0, errorRate: null, p50: null, p95: null, p99: null, windowRequests: 0 };
    const slot = n % this.history;
    const value = (x: number) => (Number.isNaN(x) ? null : x);
    let windowRequests = 0;
    for (let k = Math.max(ring.firstSample, n - this.window + 1); k <= n; k++) windowRequests += ring.count[k % this.history]!;
    return {
      rps: ring.numbers.rps[slot]!,
      errorRate: value(ring.numbers.errorRate[slot]!),
      p50: value(ring.numbers.p50[slot]!),
      p95: value(ring.numbers.p95[slot]!),
      p99: value(ring.numbers.p99[slot]!),
      windowRequests,
    };
  }

  /** Computes the numbers of sample n from the deltas: rate over the last interval, the rest over the window. */
  private derive(ring: KeyRing, n: number): void {
    const slot = n % this.history;
    ring.numbers.rps[slot] = ring.count[slot]! / this.dts[slot]!;
    let count = 0;
    let errors = 0;
    const buckets = new Float64Array(BUCKETS);
    for (let k = Math.max(ring.firstSample, n - this.window + 1); k <= n; k++) {
      const s = k % this.history;
      count += ring.count[s]!;
      errors += ring.errors[s]!;
      for (let b = 0; b < BUCKETS; b++) buckets[b]! += ring.buckets[s * BUCKETS + b]!;
    }
    ring.numbers.errorRate[slot] = count > 0 ? errors / count : NaN;
    ring.numbers.p50[slot] = quantileMs(buckets, 0.5);
    ring.numbers.p95[slot] = quantileMs(buckets, 0.95);
    ring.numbers.p99[slot] = quantileMs(buckets, 0.99);
  }

  private ringOf(key: string, firstSample: number): KeyRing {
    let ring = this.rings.get(key);
    if (ring === undefined) this.rings.set(key, (ring = new KeyRing(this.history, firstSample)));
    return ring;
  }

  private baseline(ring: KeyRing, t: Totals): void {
    ring.prevCount = t.count;
    ring.prevErrors = t.errors;
    ring.prevBuckets.set(t.buckets);
  }

  /** Sums the counters of every route by service and by (service, backend). */
  private readTotals(): Map<string, Totals> {
    const totals = new Map<string, Totals>();
    const add = (key: string, count: number, errors: number, buckets: Float64Array): void => {
      let t = totals.get(key);
      if (t === undefined) totals.set(key, (t = { count: 0, errors: 0, buckets: new Float64Array(BUCKETS) }));
      t.count += count;
      t.errors += errors;
      for (let b = 0; b < BUCKETS; b++) t.buckets[b]! += buckets[b]!;
    };
    for (const route of this.stats.routes.values()) {
      for (const counters of route.byBackend.values()) {
        const count = counters.count;
        const errors = counters.byClass[CLASS_5XX]!;
        add(route.service, count, errors, counters.buckets);
        // requests Fulcrum answered itself (no backend) count for the service only
        if (counters.backend !== null) add(backendKey(route.service, counters.backend.id), count, errors, counters.buckets);
      }
    }
    return totals;
  }
}

/**
 * The q-quantile (ms) of per-bucket counts over DURATION_BUCKETS, interpolated linearly inside
 * the bucket it falls in (as Prometheus' histogram_quantile does); NaN without observations.
 * A quantile in the +Inf bucket reads as the highest finite bound.
 */
export function quantileMs(buckets: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let b = 0; b < buckets.length; b++) total += buckets[b]!;
  if (total === 0) return NaN;
  const rank = q * total;
  let below = 0;
  for (let b = 0; b < buckets.length; b++) {
    const inBucket = buckets[b]!;
    if (below + inBucket >= rank && inBucket > 0) {
      if (b >= DURATION_BUCKETS.length) return DURATION_BUCKETS[DURATION_BUCKETS.length - 1]! * 1000;
      const lower = b === 0 ? 0 : DURATION_BUCKETS[b - 1]!;
      const upper = DURATION_BUCKETS[b]!;
      return (lower + ((upper - lower) * (rank - below)) / inBucket) * 1000;
    }
    below += inBucket;
  }
  return DURATION_BUCKETS[DURATION_BUCKETS.length - 1]! * 1000;
}
