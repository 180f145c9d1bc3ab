import type { Backend } from '../pool/backend.js';
import { epochOf, type AvailabilityEpoch } from '../pool/availability-epoch.js';
import { isEligible, wasTried } from './balancer.js';

/**
 * Consistent hashing with bounded loads (Mirrokni et al.; HAProxy's hash-balance-factor):
 * a backend may take a request only while its in-flight count stays within
 * ⌈factor/100 × (total in-flight + 1) / available backends⌉; the excess walks on to the
 * next candidate of the ring or table.
 *
 * The total is kept in O(1) by remembering the in-flight count last seen per backend and
 * adding the difference whenever a backend is looked at (its own onStart/onEnd, a candidate
 * in pick, one more backend per pick in turn), so it is right whoever moved the counters.
 */
export class BoundedLoad {
  readonly enabled: boolean;
  private readonly factor: number;
  private readonly seenInflight: Float64Array;
  private readonly seenEligible: Uint8Array;
  private readonly indexOf = new Map<Backend, number>();
  private total = 0;
  private eligibleCount = 0;
  private cursor = 0;
  private readonly availability: AvailabilityEpoch;
  private epoch = -1;

  constructor(
    private readonly backends: readonly Backend[],
    factorPercent: number,
  ) {
    this.availability = epochOf(backends);
    // A factor below 100 cannot hold for everyone at once; treat it as the tightest bound.
    this.factor = factorPercent > 0 ? Math.max(factorPercent, 100) / 100 : 0;
    this.enabled = this.factor > 0 && backends.length > 0;
    this.seenInflight = new Float64Array(backends.length);
    this.seenEligible = new Uint8Array(backends.length);
    for (let i = 0; i < backends.length; i++) this.indexOf.set(backends[i]!, i);
    this.syncAll();
  }

  /** Once per pick: re-reads everyone after a health change, else one more backend in turn. */
  tick(): void {
    if (!this.enabled) return;
    if (this.epoch !== this.availability.value) this.syncAll();
    this.sync(this.cursor);
    this.cursor = this.cursor + 1 === this.backends.length ? 0 : this.cursor + 1;
  }

  /** Call from onStart/onEnd. */
  observe(backend: Backend): void {
    if (!this.enabled) return;
    const i = this.indexOf.get(backend);
    if (i !== undefined) this.sync(i);
  }

  /** May backend i take one more request? Always true when bounded load is off. */
  admits(i: number): boolean {
    if (!this.enabled) return true;
    this.sync(i);
    const average = (this.total + 1) / (this.eligibleCount > 0 ? this.eligibleCount : 1);
    return this.backends[i]!.inflight + 1 <= Math.ceil(this.factor * average);
  }

  private syncAll(): void {
    this.epoch = this.availability.value;
    for (let i = 0; i < this.backends.length; i++) this.sync(i);
  }

  private sync(i: number): void {
    const backend = this.backends[i]!;
    const inflight = backend.inflight;
    this.total += inflight - this.seenInflight[i]!;
    this.seenInflight[i] = inflight;
    const eligible = isEligible(backend) ? 1 : 0;
    this.eligibleCount += eligible - this.seenEligible[i]!;
    this.seenEligible[i] = eligible;
  }
}

/**
 * What every hash algorithm does when its walk over the ring/table ran out: the first
 * eligible backend from a key-determined start that the bound admits, else the first
 * eligible one at all. Rare (most backends down or tried), so O(n) is fine here.
 */
export function scanFrom(backends: readonly Backend[], start: number, tried: readonly Backend[], bounded: BoundedLoad): Backend | undefined {
  const n = backends.length;
  let fallback: Backend | undefined;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    const backend = backends[i]!;
    if (!isEligible(backend) || wasTried(tried, backend)) continue;
    if (bounded.admits(i)) return backend;
    fallback ??= backend;
  }
  return fallback;
}
