import type { StateStore, StoreStatus, TokenBucketResult } from './state-store.js';

interface Entry {
  value: string;
  number: number;
  /** ms since epoch; 0 = never */
  expiresAt: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const SWEEP_INTERVAL_MS = 10_000;

/**
 * The default StateStore: a Map in this process. Expired keys are dropped when read and
 * by a sweep every 10 s, so an idle key does not live forever.
 */
export class MemoryStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  get size(): number {
    return this.entries.size + this.buckets.size;
  }

  status(): StoreStatus {
    return { store: 'memory', up: true, errors: 0 };
  }

  get(key: string): string | undefined {
    return this.live(key)?.value;
  }

  set(key: string, value: string, ttlMs: number): void {
    this.entries.set(key, { value, number: Number(value), expiresAt: ttlMs > 0 ? this.now() + ttlMs : 0 });
  }

  setIfAbsent(key: string, value: string, ttlMs: number): string {
    const held = this.live(key);
    if (held !== undefined) return held.value;
    this.set(key, value, ttlMs);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.buckets.delete(key);
  }

  increment(key: string, by: number, ttlMs: number): number {
    const entry = this.live(key);
    const next = (entry !== undefined && Number.isFinite(entry.number) ? entry.number : 0) + by;
    this.entries.set(key, { value: String(next), number: next, expiresAt: ttlMs > 0 ? this.now() + ttlMs : 0 });
    return next;
  }

  takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): TokenBucketResult {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSecond);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
    }
    const retryAfterMs = Math.ceil(((cost - bucket.tokens) / ratePerSecond) * 1000);
    return { allowed: false, remaining: 0, retryAfterMs };
  }

  close(): void {
    clearInterval(this.timer);
    this.entries.clear();
    this.buckets.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt !== 0 && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt !== 0 && entry.expiresAt <= now) this.entries.delete(key);
    // a bucket idle long enough to be full again carries no information
    for (const [key, bucket] of this.buckets) if (now - bucket.updatedAt > 10 * 60_000) this.buckets.delete(key);
  }
}
