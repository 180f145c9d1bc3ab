import type { Backend } from '../pool/backend.js';

/** What an algorithm may know about the request it is choosing for. */
export interface PickContext {
  /** the client's address (after PROXY protocol / trusted proxies) */
  clientIp: string;
  /** the hash key computed from the service's `hashKey`; only filled when the balancer `usesKey` */
  key: string;
}

/** How a request ended: 'cancelled' is the client going away, which says nothing about the backend. */
export type Outcome = 'success' | 'failure' | 'connect-failure' | 'timeout' | 'cancelled';

/**
 * A balancing algorithm, built from the current backend list and rebuilt when
 * membership or weights change. It never does I/O or sets timers.
 *
 * What an algorithm may read on a Backend:
 * - `available()` and `effectiveWeight()` (both at once: `isEligible()`). Health, ejection,
 *   panic, draining and the connection limit reach it only through `available()`, slow start
 *   only through `effectiveWeight()`; it reads none of those fields itself.
 * - `weight` (configured) and `id`, to lay out hash tables (ip-hash, consistent-hash, maglev)
 *   and to size the weighted sampler.
 * - the data path's counters: `active` (least-connections) and `inflight` (least-requests,
 *   least-response-time, power-of-two, the hash algorithms' bounded load).
 * - samples: `latencyEwma` / `latencyAt` (least-response-time, which also writes them in
 *   `onEnd`) and `reportedLoad` / `reportedAt` (resource; written by `recordLoadReport`).
 * - `backendAvailabilityEpoch()`, to know when availability may have changed.
 *
 * `pick` does not allocate: the caller keeps the list of backends it already tried
 * for this request (empty on the first attempt) and asks again after a failure,
 * which gives "skip the failed one, take the next" without an iterator object.
 */
export interface Balancer {
  readonly name: string;
  /** true when the algorithm needs `ctx.key` (hash algorithms) */
  readonly usesKey: boolean;
  /** the next candidate not in `tried`, or undefined when no backend is available */
  pick(ctx: PickContext, tried: readonly Backend[]): Backend | undefined;
  /**
   * A request/connection was sent to `backend`. Call it after raising `backend.active` /
   * `backend.inflight`, on the service's current balancer: load-aware algorithms re-read
   * the counters here, so the order matters.
   */
  onStart?(backend: Backend): void;
  /**
   * It finished; latency is ms to the response head (or connection lifetime for L4).
   * Call it after lowering the counters, on the service's current balancer.
   */
  onEnd?(backend: Backend, outcome: Outcome, latencyMs: number): void;
}

export interface BalancerOptions {
  /** power-of-two: number of random draws (default 2) */
  choices: number;
  /** bounded load for hash algorithms, in percent of the average; 0 = unbounded */
  hashBalanceFactor: number;
  /** source of randomness in [0, 1): injectable so tests are repeatable */
  random: () => number;
  /** monotonic clock in ms (default performance.now): injectable so tests control decay and TTLs */
  now?: () => number;
  /** least-response-time: time constant of the latency decay, ms (default 10 s, as Finagle and Linkerd) */
  decayMs?: number;
  /** resource: how long a load report counts, ms (default 10 s) */
  loadReportTtlMs?: number;
}

export type BalancerFactory = (backends: readonly Backend[], options: BalancerOptions) => Balancer;

/** Whether an algorithm may send new work to `backend` at all (weight 0 and slow start at 0 included). */
export function isEligible(backend: Backend): boolean {
  return backend.available() && backend.effectiveWeight() > 0;
}

/** `tried` is tiny (attempts so far), so a linear scan beats a Set. */
export function wasTried(tried: readonly Backend[], backend: Backend): boolean {
  for (let i = 0; i < tried.length; i++) if (tried[i] === backend) return true;
  return false;
}
