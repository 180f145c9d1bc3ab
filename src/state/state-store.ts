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
  delete(key: string): MaybePromise<void>;
  /** adds `by` (may be negative) and returns the new value; the key expires ttlMs after its last change */
  increment(key: string, by: number, ttlMs: number): MaybePromise<number>;
  /** takes `cost` tokens from the bucket `key` refilled at `ratePerSecond` up to `burst` */
  takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): MaybePromise<TokenBucketResult>;
  close(): MaybePromise<void>;
}

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}
