// The one StateStore object a Fulcrum hands to its services and middlewares, in front of the store
// its config asks for. A reload that changes `state` puts a new store behind it (`use`), so what
// was built with it (sticky policies, rate limits) reaches the new store without being rebuilt.
import type { MaybePromise, StateStore, StoreStatus, TokenBucketResult } from './state-store.js';

export type StatusStore = StateStore & { status(): StoreStatus };

export class StoreSwitch implements StateStore {
  /** errors of the stores this one used before, so the counter never goes back */
  private pastErrors = 0;

  constructor(private current: StatusStore) {}

  get store(): StatusStore {
    return this.current;
  }

  /** Use `next` from now on; the previous store is returned for its owner to close. */
  use(next: StatusStore): StatusStore {
    const previous = this.current;
    this.pastErrors += previous.status().errors;
    this.current = next;
    return previous;
  }

  status(): StoreStatus {
    const status = this.current.status();
    return { ...status, errors: status.errors + this.pastErrors };
  }

  get(key: string): MaybePromise<string | undefined> {
    return this.current.get(key);
  }

  set(key: string, value: string, ttlMs: number): MaybePromise<void> {
    return this.current.set(key, value, ttlMs);
  }

  setIfAbsent(key: string, value: string, ttlMs: number): MaybePromise<string> {
    return this.current.setIfAbsent(key, value, ttlMs);
  }

  delete(key: string): MaybePromise<void> {
    return this.current.delete(key);
  }

  increment(key: string, by: number, ttlMs: number): MaybePromise<number> {
    return this.current.increment(key, by, ttlMs);
  }

  takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): MaybePromise<TokenBucketResult> {
    return this.current.takeTokens(key, ratePerSecond, burst, cost);
  }

  close(): MaybePromise<void> {
    return this.current.close();
  }
}
