import type { Outcome } from '../balancing/balancer.js';
import type { CircuitBreakerConfig } from '../config/types.js';
import { BUCKET_MS, BUCKETS, type BreakerCell, HALF_IN_FLIGHT, HALF_SUCCESSES, localBreakerCell, PENDING, REFUSED, REQUESTS, STATE, TRIPS, WINDOW } from './breaker-cells.js';

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

/** The clock every worker thread shares (performance.now() starts at each thread's own origin). */
export const breakerClock = (): number => performance.timeOrigin + performance.now();
const BUCKET_MOD = 1 << 30;
const REFUSAL_OFFSET: Record<Exclude<BreakerRefusal, ''>, number> = { open: 0, 'max-requests': 1, 'max-pending': 2, 'max-connections': 3 };

/**
 * Circuit breaking for one service, after Envoy: limits on connections, pending and in-flight
 * requests (over a limit: 503 at once), and a closed → open → half-open state machine driven
 * by the outcomes of real requests in a rolling window (error ratio, and responses slower than
 * `latency` counted as failures).
 *
 * The data path calls `admit` before each attempt and `done` once per admitted attempt; no
 * timers, no allocation: the window is a ring of per-bucket counters indexed by time. Everything
 * lives in the breaker's cells (breaker-cells.ts): with worker threads those are shared, every
 * change is an atomic operation, and a transition is a compare-and-swap of the state, so the
 * worker that wins it is the one that logs it. Limits are taken with compare-and-swap too: the
 * instance never has more than `maxRequests` in flight.
 */
export class CircuitBreaker {
  /** called on each transition (closed → open, open → half-open, half-open → closed or open); null = nobody listens */
  onTransition: BreakerTransitionHook | null = null;
  private readonly cells: Int32Array;
  private readonly at: number;
  private readonly own: Int32Array | null;
  private readonly openUntilCell: BigInt64Array;
  private readonly openAt: number;
  private readonly bucketMs: number;
  private readonly trips_: boolean;

  constructor(
    readonly config: CircuitBreakerConfig,
    private readonly now: () => number = breakerClock,
    cell: BreakerCell = localBreakerCell(),
  ) {
    this.cells = cell.array;
    this.at = cell.at;
    this.own = cell.own;
    this.openUntilCell = cell.openUntil;
    this.openAt = cell.openAt;
    this.bucketMs = config.window / BUCKETS;
    this.trips_ = config.errorRatio > 0 || config.latency > 0;
    // a window counted with other buckets (a changed `window`) starts over
    const bucketMs = Math.round(this.bucketMs);
    const was = Atomics.exchange(this.cells, this.at + BUCKET_MS, bucketMs);
    if (was !== bucketMs) for (let i = 0; i < BUCKETS; i++) Atomics.store(this.cells, this.at + WINDOW + i * 3, -1);
  }

  get state(): BreakerState {
    return Atomics.load(this.cells, this.at + STATE) as BreakerState;
  }

  /** ms (the breaker's clock) until which the breaker stays open */
  get openUntil(): number {
    return Number(Atomics.load(this.openUntilCell, this.openAt));
  }

  /** attempts admitted and not done */
  get requests(): number {
    return Atomics.load(this.cells, this.at + REQUESTS);
  }

  /** attempts waiting for a new upstream connection */
  get pending(): number {
    return Atomics.load(this.cells, this.at + PENDING);
  }

  set pending(value: number) {
    this.add(PENDING, value - this.pending);
  }

  /** times the breaker opened */
  get trips(): number {
    return Atomics.load(this.cells, this.at + TRIPS);
  }

  set trips(value: number) {
    Atomics.store(this.cells, this.at + TRIPS, value);
  }

  /** requests refused, by why */
  get refusedBy(): BreakerRefusals {
    const cells = this.cells;
    const at = this.at + REFUSED;
    return {
      open: Atomics.load(cells, at),
      'max-requests': Atomics.load(cells, at + 1),
      'max-pending': Atomics.load(cells, at + 2),
      'max-connections': Atomics.load(cells, at + 3),
    };
  }

  /** requests refused */
  get refused(): number {
    const by = this.refusedBy;
    return by.open + by['max-requests'] + by['max-pending'] + by['max-connections'];
  }

  /** May one more attempt start? '' when admitted (the caller then owes one `done`), else why not. */
  admit(): BreakerRefusal {
    const config = this.config;
    let state = this.state;
    if (state !== BreakerState.Closed) {
      if (state === BreakerState.Open) {
        if (this.now() < this.openUntil) return this.refuse('open');
        this.halfOpen();
        state = this.state;
        if (state === BreakerState.Open) return this.refuse('open'); // re-opened meanwhile by another worker's trial
      }
      if (state === BreakerState.HalfOpen && !this.take(HALF_IN_FLIGHT, config.halfOpenRequests)) return this.refuse('open');
    }
    if (!this.take(REQUESTS, config.maxRequests)) {
      if (state === BreakerState.HalfOpen) this.add(HALF_IN_FLIGHT, -1);
      return this.refuse('max-requests');
    }
    return '';
  }

  /** A new upstream connection is about to open; `openConnections` counts the service's open ones. */
  admitConnection(openConnections: number): BreakerRefusal {
    const config = this.config;
    if (config.maxPending !== 0 && this.pending >= config.maxPending) return this.refuse('max-pending');
    if (config.maxConnections !== 0 && openConnections >= config.maxConnections) return this.refuse('max-connections');
    return '';
  }

  /** An admitted attempt waits for a new upstream connection (+1), or has it (-1). */
  addPending(delta: number): void {
    this.add(PENDING, delta);
  }

  /** An admitted attempt ended. `status` is the backend's response status (0 = none). */
  done(outcome: Outcome, status: number, latencyMs: number): void {
    this.add(REQUESTS, -1);
    const state = this.state;
    if (!this.trips_ && state === BreakerState.Closed) return;
    if (outcome === 'cancelled') {
      if (state === BreakerState.HalfOpen) this.giveBackTrial();
      return; // the client left: says nothing about the service
    }
    const config = this.config;
    const failed = outcome !== 'success' || status >= 500 || (config.latency > 0 && latencyMs > config.latency);
    if (state === BreakerState.HalfOpen) {
      this.giveBackTrial();
      if (failed) this.open(BreakerState.HalfOpen, `a trial request failed (${failureName(outcome, status)})`);
      else if (Atomics.add(this.cells, this.at + HALF_SUCCESSES, 1) + 1 >= config.halfOpenRequests) this.close();
      return;
    }
    if (state === BreakerState.Open) return; // an attempt admitted before the trip
    const bucket = Math.floor(this.now() / this.bucketMs) % BUCKET_MOD;
    const cells = this.cells;
    const at = this.at + WINDOW + (bucket % BUCKETS) * 3;
    const held = Atomics.load(cells, at);
    // the first to reach a bucket's slot in its turn clears it (another worker may count one outcome into the old turn meanwhile)
    if (held !== bucket && Atomics.compareExchange(cells, at, held, bucket) === held) {
      Atomics.store(cells, at + 1, 0);
      Atomics.store(cells, at + 2, 0);
    }
    Atomics.add(cells, at + 1, 1);
    if (failed) {
      Atomics.add(cells, at + 2, 1);
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
    if (previous.cells === this.cells && previous.at === this.at) return; // the same cells: nothing to carry
    this.setCounts(previous.trips, previous.refusedBy);
  }

  /** What /metrics shows for breakers kept elsewhere (worker processes: their sum, in the main thread's breaker). */
  showTotals(state: BreakerState, trips: number, refusedBy: BreakerRefusals): void {
    Atomics.store(this.cells, this.at + STATE, state);
    this.setCounts(trips, refusedBy);
  }

  private setCounts(trips: number, refusedBy: BreakerRefusals): void {
    this.trips = trips;
    for (const reason of Object.keys(REFUSAL_OFFSET) as Array<Exclude<BreakerRefusal, ''>>) {
      Atomics.store(this.cells, this.at + REFUSED + REFUSAL_OFFSET[reason], refusedBy[reason]);
    }
  }

  get stateName(): BreakerStateName {
    return stateNameOf(this.state);
  }

  private checkTrip(bucket: number): void {
    const cells = this.cells;
    let total = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const at = this.at + WINDOW + i * 3;
      const age = (bucket - Atomics.load(cells, at) + BUCKET_MOD) % BUCKET_MOD;
      if (age < BUCKETS) {
        total += Atomics.load(cells, at + 1);
        failures += Atomics.load(cells, at + 2);
      }
    }
    if (total < this.config.minRequests) return;
    // a latency-only breaker (errorRatio 0) trips when half the window was slow or failed
    const ratio = this.config.errorRatio > 0 ? this.config.errorRatio : 0.5;
    if (failures / total >= ratio) {
      const slow = this.config.latency > 0 ? ` (slower than ${this.config.latency} ms counts)` : '';
      this.open(BreakerState.Closed, `${failures} of ${total} outcomes in the window failed${slow}, ratio ≥ ${ratio}`);
    }
  }

  /** `from` → open, if this breaker is still in `from` (the worker that makes the change logs it). */
  private open(from: BreakerState, why: string): void {
    // the end of the open period is written before the state, so whoever sees `open` sees its end
    Atomics.store(this.openUntilCell, this.openAt, BigInt(Math.ceil(this.now() + this.config.openFor)));
    if (Atomics.compareExchange(this.cells, this.at + STATE, from, BreakerState.Open) !== from) return;
    Atomics.add(this.cells, this.at + TRIPS, 1);
    this.onTransition?.(stateNameOf(from), 'open', why);
  }

  private halfOpen(): void {
    const cells = this.cells;
    Atomics.store(cells, this.at + HALF_IN_FLIGHT, 0);
    Atomics.store(cells, this.at + HALF_SUCCESSES, 0);
    if (Atomics.compareExchange(cells, this.at + STATE, BreakerState.Open, BreakerState.HalfOpen) !== BreakerState.Open) return;
    const config = this.config;
    this.onTransition?.('open', 'half-open', `openFor (${config.openFor} ms) passed: up to ${config.halfOpenRequests} trial request(s) at a time`);
  }

  private close(): void {
    const cells = this.cells;
    if (Atomics.compareExchange(cells, this.at + STATE, BreakerState.HalfOpen, BreakerState.Closed) !== BreakerState.HalfOpen) return;
    for (let i = 0; i < BUCKETS; i++) Atomics.store(cells, this.at + WINDOW + i * 3, -1);
    this.onTransition?.('half-open', 'closed', `${Atomics.load(cells, this.at + HALF_SUCCESSES)} trial request(s) succeeded`);
  }

  private giveBackTrial(): void {
    if (Atomics.load(this.cells, this.at + HALF_IN_FLIGHT) > 0) this.add(HALF_IN_FLIGHT, -1);
  }

  /** One more in `cell` unless it holds `limit` already (0 = no limit); true when taken. */
  private take(cell: number, limit: number): boolean {
    const cells = this.cells;
    const at = this.at + cell;
    if (limit === 0) Atomics.add(cells, at, 1);
    else {
      for (;;) {
        const n = Atomics.load(cells, at);
        if (n >= limit) return false;
        if (Atomics.compareExchange(cells, at, n, n + 1) === n) break;
      }
    }
    if (this.own !== null && cell !== HALF_IN_FLIGHT) this.own[cell]!++;
    return true;
  }

  private add(cell: number, delta: number): void {
    Atomics.add(this.cells, this.at + cell, delta);
    if (this.own !== null && cell !== HALF_IN_FLIGHT) this.own[cell]! += delta;
  }

  private refuse(reason: Exclude<BreakerRefusal, ''>): BreakerRefusal {
    Atomics.add(this.cells, this.at + REFUSED + REFUSAL_OFFSET[reason], 1);
    return reason;
  }
}

function stateNameOf(state: BreakerState): BreakerStateName {
  return state === BreakerState.Closed ? 'closed' : state === BreakerState.Open ? 'open' : 'half-open';
}

function failureName(outcome: Outcome, status: number): string {
  return outcome !== 'success' ? outcome : status >= 500 ? `status ${status}` : 'too slow';
}
