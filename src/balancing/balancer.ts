import type { Backend } from '../pool/backend.js';

/** What an algorithm may know about the request it is choosing for. */
export interface PickContext {
  /** the client's address (after PROXY protocol / trusted proxies) */
  clientIp: string;
  /** the hash key computed from the service's `hashKey`; only filled when the balancer `usesKey` */
  key: string;
}

export type Outcome = 'success' | 'failure' | 'connect-failure' | 'timeout';

/**
 * A balancing algorithm, built from the current backend list and rebuilt when
 * membership or weights change. It sees backends only through `available()` and
 * `effectiveWeight()`, and it never does I/O or sets timers.
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
  /** a request/connection was sent to `backend` */
  onStart?(backend: Backend): void;
  /** it finished; latency is ms to the response head (or connection lifetime for L4) */
  onEnd?(backend: Backend, outcome: Outcome, latencyMs: number): void;
}

export interface BalancerOptions {
  /** power-of-two: number of random draws (default 2) */
  choices: number;
  /** bounded load for hash algorithms, in percent of the average; 0 = unbounded */
  hashBalanceFactor: number;
  /** source of randomness in [0, 1): injectable so tests are repeatable */
  random: () => number;
}

export type BalancerFactory = (backends: readonly Backend[], options: BalancerOptions) => Balancer;

/** `tried` is tiny (attempts so far), so a linear scan beats a Set. */
export function wasTried(tried: readonly Backend[], backend: Backend): boolean {
  for (let i = 0; i < tried.length; i++) if (tried[i] === backend) return true;
  return false;
}
