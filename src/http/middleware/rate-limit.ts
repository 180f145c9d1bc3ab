// `rateLimit`: a token bucket (rate, burst) per key (client IP, a header, or the route), and a cap
// on concurrent connections per client. Counters go through the StateStore. Over the limit: 429
// with Retry-After and RateLimit-* fields; responses let through carry the RateLimit-* fields too.
// In memory the verdict is synchronous; with Redis it is a promise (the store bounds the wait by its
// timeout), and a store that is down with `onError: closed` gets 503 instead.
import type { RateLimitConfig } from '../../config/middleware-types.js';
import { isPromise, type MaybePromise, type StateStore, StateUnavailableError, type TokenBucketResult } from '../../state/state-store.js';
import type { RouteStats } from '../../observe/traffic-stats.js';
import type { FieldList } from '../h1/fields.js';
import type { ChainContext, RequestPhase, ResponsePhase, Verdict } from './chain.js';
import { ConnectionMiddlewareState } from './connection-state.js';
import { HeldCounts } from './held-counts.js';
import { textAnswer } from './local-answer.js';
import type { ChainClient, ChainRun } from './run.js';

export class RateLimitMiddleware implements RequestPhase, ResponsePhase {
  readonly rate: number;
  readonly burst: number;
  private readonly store: StateStore;
  private readonly stats: RouteStats;
  /** null: per client IP; '' : one bucket for the route; else a lower-cased header name */
  private readonly header: string | null;
  private readonly routeKey: string;
  private readonly prefix: string;
  private readonly maxConnections: number;
  private readonly policy: string;
  private readonly held: HeldCounts;
  private readonly verdictOfCount = (open: number): Verdict => this.countVerdict(open);

  constructor(
    readonly name: string,
    settings: RateLimitConfig,
    context: ChainContext,
  ) {
    this.rate = settings.rate;
    this.burst = settings.burst;
    this.store = context.store;
    this.held = new HeldCounts(context.store);
    this.stats = context.stats;
    this.maxConnections = settings.maxConnectionsPerClient;
    this.header = settings.key === 'client-ip' ? null : settings.key === 'route' ? '' : settings.key.slice('header:'.length);
    this.prefix = 'rl:' + name + ':';
    this.routeKey = this.prefix + 'route:' + context.routeId;
    // the window: how long an empty bucket takes to fill
    this.policy = `${this.burst};w=${Math.max(1, Math.ceil(this.burst / (this.rate || 1)))}`;
  }

  onRequest(run: ChainRun<ChainClient>): MaybePromise<Verdict> {
    if (this.maxConnections > 0) {
      const counted = this.countConnection(run);
      if (counted !== null) {
        if (!isPromise(counted)) return counted;
        return this.rate === 0 ? counted : counted.then((verdict) => (verdict === null ? this.takeToken(run) : verdict));
      }
    }
    if (this.rate === 0) return null;
    return this.takeToken(run);
  }

  private takeToken(run: ChainRun<ChainClient>): MaybePromise<Verdict> {
    let taken: MaybePromise<TokenBucketResult>;
    try {
      taken = this.store.takeTokens(this.bucketKey(run), this.rate, this.burst, 1);
    } catch (error) {
      return unavailable(error);
    }
    if (!isPromise(taken)) return this.allow(run, taken);
    return taken.then((result) => this.allow(run, result), unavailable);
  }

  private allow(run: ChainRun<ChainClient>, taken: TokenBucketResult): Verdict {
    if (taken.allowed) {
      run.rateLimit = this;
      run.rateRemaining = taken.remaining;
      return null;
    }
    return this.tokenVerdict(taken);
  }

  private tokenVerdict(taken: TokenBucketResult): Verdict {
    this.stats.rateLimited++;
    const retryAfter = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
    return textAnswer(429, [
      ['Retry-After', String(retryAfter)],
      ['RateLimit-Limit', String(this.burst)],
      ['RateLimit-Remaining', '0'],
      ['RateLimit-Reset', String(retryAfter)],
      ['RateLimit-Policy', this.policy],
    ]);
  }

  onResponseHead(run: ChainRun<ChainClient>, _status: number, fields: FieldList): void {
    if (run.rateLimit !== this) return;
    const missing = this.burst - run.rateRemaining;
    fields.push('RateLimit-Limit', 'ratelimit-limit', String(this.burst));
    fields.push('RateLimit-Remaining', 'ratelimit-remaining', String(run.rateRemaining));
    fields.push('RateLimit-Reset', 'ratelimit-reset', String(Math.ceil(missing / this.rate)));
    fields.push('RateLimit-Policy', 'ratelimit-policy', this.policy);
  }

  private bucketKey(run: ChainRun<ChainClient>): string {
    const header = this.header;
    if (header === null) return this.prefix + 'ip:' + run.clientIp;
    if (header === '') return this.routeKey;
    const value = run.head.fields.get(header);
    return value === undefined ? this.prefix + 'ip:' + run.clientIp : this.prefix + 'h:' + value;
  }

  /**
   * The first request of a connection on this route counts it for its client (until it closes; the
   * count is held at once, so a connection closing before the store answered still gives it back);
   * one too many is refused and closed. A count the store could not make (onError: closed) is not
   * held: the next request of the connection tries again.
   */
  private countConnection(run: ChainRun<ChainClient>): MaybePromise<Verdict> {
    const client = run.client;
    const state = (client.middlewareState ??= new ConnectionMiddlewareState());
    if (state.holds(this)) return null;
    const key = this.prefix + 'conn:' + run.clientIp;
    let open: MaybePromise<number>;
    try {
      open = this.held.add(key);
    } catch (error) {
      return unavailable(error);
    }
    state.hold(this, this.held, key);
    if (!isPromise(open)) return this.countVerdict(open);
    return open.then(this.verdictOfCount, (error: unknown) => {
      state.releaseFor(this);
      return unavailable(error);
    });
  }

  private countVerdict(open: number): Verdict {
    if (open <= this.maxConnections) return null;
    this.stats.rateLimited++;
    return textAnswer(429, [['Retry-After', '1']], true);
  }
}

/** The store is down and `state.onError` is closed: 503, try again in a second. Anything else is a failure of the phase (500). */
function unavailable(error: unknown): Verdict {
  if (error instanceof StateUnavailableError) return textAnswer(503, [['Retry-After', '1']]);
  throw error;
}
