/**
 * Shared state for features that must agree across requests (and, with Redis, across
 * Fulcrum instances): sticky tables, rate-limit buckets, connection counts per client.
 *
 * Results are `T | Promise<T>`: the in-memory store answers synchronously, so the data
 * path pays no promise when it runs alone; a networked store returns promises and the
 * caller awaits only then (`isPromise`).
 */
export type MaybePromise<T> = T | Promise<T>;

export interface TokenBucketResult {
  allowed: boolean;
  /** tokens left after this request */
  remaining: number;
  /** ms until one token is available again (0 when allowed) */
  retryAfterMs: number;
}

export interface StateStore {
  get(key: string): MaybePromise<string | undefined>;
  /** ttlMs 0 = no expiry */
  set(key: string, value: string, ttlMs: number): MaybePromise<void>;
  /** sets `key` unless it holds a value; returns the value it holds after (ours, or the one that was there) */
  setIfAbsent(key: string, value: string, ttlMs: number): MaybePromise<string>;
  delete(key: string): MaybePromise<void>;
  /**
   * Adds `by` (may be negative; 0 refreshes) and returns the new value; this instance's share expires
   * ttlMs after its last change (0 = never). In Redis the value is the sum of every live instance's
   * share, so counts of an instance that died go away with its share.
   */
  increment(key: string, by: number, ttlMs: number): MaybePromise<number>;
  /** takes `cost` tokens from the bucket `key` refilled at `ratePerSecond` up to `burst` */
  takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): MaybePromise<TokenBucketResult>;
  close(): MaybePromise<void>;
}

/** What /metrics tells of a store. */
export interface StoreStatus {
  store: 'memory' | 'redis' | 'main';
  /** shared state is in use (always true in memory) */
  up: boolean;
  /** calls that got no answer from the store, and lost connections */
  errors: number;
}

/** The store is down (or too slow) and `state.onError` is `closed`: what needs it is refused (503). */
export class StateUnavailableError extends Error {
  constructor(reason: string) {
    super(`the state store is unavailable: ${reason}`);
    this.name = 'StateUnavailableError';
  }
}

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}
