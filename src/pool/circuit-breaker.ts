import type { Outcome } from '../balancing/balancer.js';
import type { CircuitBreakerConfig } from '../config/types.js';

export const enum BreakerState {
  /** requests flow; outcomes are counted */
  Closed,
  /** every request is refused until `openUntil` */
  Open,
  /** a few trial requests at a time; their outcomes close or re-open the breaker */
  HalfOpen,
}

/** Why a request was refused; '' = admitted. */
export type BreakerRefusal = '' | 'open' | 'max-requests' | 'max-pending' | 'max-connections';

export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** Told of every state change, once, with why (for the log); never on the request path otherwise. */
export type BreakerTransitionHook = (from: BreakerStateName, to: BreakerStateName, why: string) => void;

/** Requests refused, by why. */
export interface BreakerRefusals {
  open: number;
  'max-requests': number;
  'max-pending': number;
  'max-connections': number;
}

const BUCKETS = 10;

/**
 * Circuit breaking for one service, after Envoy: limits on connections, pending and in-flight
 * requests (over a limit: 503 at once), and a closed → open → half-open state machine driven
 * by the outcomes of real requests in a rolling window (error ratio, and responses slower than
 * `latency` counted as failures).
 *
 * The data path calls `admit` before each attempt and `done` once per admitted attempt; no
 * timers, no allocation: the window is a ring of per-bucket counters indexed by time.
 */
export class CircuitBreaker {
  state = BreakerState.Closed;
  /** ms (performance.now) until which the breaker stays open */
  openUntil = 0;
  /** attempts admitted and not done */
  requests = 0;
  /** attempts waiting for a new upstream connection */
  pending = 0;
  /** times the breaker opened, and requests refused (for stats) */
  trips = 0;
  refused = 0;
  readonly refusedBy: BreakerRefusals = { open: 0, 'max-requests': 0, 'max-pending': 0, 'max-connections': 0 };
  /** called on each transition (closed → open, open → half-open, half-open → closed or open); null = nobody listens */
  onTransition: BreakerTransitionHook | null = null;
  private halfOpenInFlight = 0;
  private halfOpenSuccesses = 0;
  private readonly bucketMs: number;
  private readonly totals = new Uint32Array(BUCKETS);
  private readonly failures = new Uint32Array(BUCKETS);
  /** the bucket number (time / bucketMs) each slot holds */
  private readonly slotOf = new Float64Array(BUCKETS).fill(-1);
  private readonly trips_: boolean;

  constructor(
    readonly config: CircuitBreakerConfig,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.bucketMs = config.window / BUCKETS;
    this.trips_ = config.errorRatio > 0 || config.latency > 0;
  }

  /** May one more attempt start? '' when admitted (the caller then owes one `done`), else why not. */
  admit(): BreakerRefusal {
    const config = this.config;
    if (this.state !== BreakerState.Closed) {
      if (this.state === BreakerState.Open) {
        if (this.now() < this.openUntil) return this.refuse('open');
        this.state = BreakerState.HalfOpen;
        this.halfOpenInFlight = 0;
        this.halfOpenSuccesses = 0;
        this.onTransition?.('open', 'half-open', `openFor (${this.config.openFor} ms) passed: up to ${config.halfOpenRequests} trial request(s) at a time`);
      }
      if (this.halfOpenInFlight >= config.halfOpenRequests) return this.refuse('open');
      this.halfOpenInFlight++;
    }
    if (config.maxRequests !== 0 && this.requests >= config.maxRequests) {
      if (this.state === BreakerState.HalfOpen) this.halfOpenInFlight--;
      return this.refuse('max-requests');
    }
    this.requests++;
    return '';
  }

  /** A new upstream connection is about to open; `openConnections` counts the service's open ones. */
  admitConnection(openConnections: number): BreakerRefusal {
    const config = this.config;
    if (config.maxPending !== 0 && this.pending >= config.maxPending) return this.refuse('max-pending');
    if (config.maxConnections !== 0 && openConnections >= config.maxConnections) return this.refuse('max-connections');
    return '';
  }

  /** An admitted attempt ended. `status` is the backend's response status (0 = none). */
  done(outcome: Outcome, status: number, latencyMs: number): void {
    this.requests--;
    if (!this.trips_ && this.state === BreakerState.Closed) return;
    if (outcome === 'cancelled') {
      if (this.state === BreakerState.HalfOpen && this.halfOpenInFlight > 0) this.halfOpenInFlight--;
      return; // the client left: says nothing about the service
    }
    const config = this.config;
    const failed = outcome !== 'success' || status >= 500 || (config.latency > 0 && latencyMs > config.latency);
    if (this.state === BreakerState.HalfOpen) {
      if (this.halfOpenInFlight > 0) this.halfOpenInFlight--;
      if (failed) this.open('half-open', `a trial request failed (${failureName(outcome, status)})`);
      else if (++this.halfOpenSuccesses >= config.halfOpenRequests) this.close(`${this.halfOpenSuccesses} trial request(s) succeeded`);
      return;
    }
    if (this.state === BreakerState.Open) return; // an attempt admitted before the trip
    const bucket = Math.floor(this.now() / this.bucketMs);
    const slot = bucket % BUCKETS;
    if (this.slotOf[slot] !== bucket) {
      this.slotOf[slot] = bucket;
      this.totals[slot] = 0;
      this.failures[slot] = 0;
    }
    this.totals[slot]!++;
    if (failed) {
      this.failures[slot]!++;
      this.checkTrip(bucket);
    }
  }

  /** Seconds a refused client should wait: what is left of the open period, at least 1. */
  retryAfterSeconds(): number {
    if (this.state !== BreakerState.Open) return 1;
    return Math.max(1, Math.ceil((this.openUntil - this.now()) / 1000));
  }

  /** Keeps the counters of the breaker this one replaces (a reload changed the config), so /metrics never goes backwards. */
  continueCounts(previous: CircuitBreaker): void {
    this.trips = previous.trips;
    this.refused = previous.refused;
    Object.assign(this.refusedBy, previous.refusedBy);
  }

  get stateName(): BreakerStateName {
    return this.state === BreakerState.Closed ? 'closed' : this.state === BreakerState.Open ? 'open' : 'half-open';
  }

  private checkTrip(bucket: number): void {
    let total = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const b = this.slotOf[i]!;
      if (b > bucket - BUCKETS && b <= bucket) {
        total += this.totals[i]!;
        failures += this.failures[i]!;
      }
    }
    if (total < this.config.minRequests) return;
    // a latency-only breaker (errorRatio 0) trips when half the window was slow or failed
    const ratio = this.config.errorRatio > 0 ? this.config.errorRatio : 0.5;
    if (failures / total >= ratio) {
      const slow = this.config.latency > 0 ? ` (slower than ${this.config.latency} ms counts)` : '';
      this.open('closed', `${failures} of ${total} outcomes in the window failed${slow}, ratio ≥ ${ratio}`);
    }
  }

  private open(from: BreakerStateName, why: string): void {
    this.state = BreakerState.Open;
    this.openUntil = this.now() + this.config.openFor;
    this.trips++;
    this.onTransition?.(from, 'open', why);
  }

  private close(why: string): void {
    this.state = BreakerState.Closed;
    this.slotOf.fill(-1);
    this.onTransition?.('half-open', 'closed', why);
  }

  private refuse(reason: Exclude<BreakerRefusal, ''>): BreakerRefusal {
    this.refused++;
    this.refusedBy[reason]++;
    return reason;
  }
}

function failureName(outcome: Outcome, status: number): string {
  return outcome !== 'success' ? outcome : status >= 500 ? `status ${status}` : 'too slow';
}
