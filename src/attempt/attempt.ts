// One request (or L4 connection) on its way to a backend, across its retries: choosing (sticky
// or the balancer, skipping what was tried), the circuit breaker's admission, the retry decision,
// releasing the backend with its outcome and what the backend reported. Protocol code (HTTP/1.1,
// HTTP/2 streams, tcp) does the I/O and calls in here; the policy lives only here.
import { performance } from 'node:perf_hooks';
import type { Outcome, PickContext } from '../balancing/balancer.js';
import type { KeySource } from '../balancing/hash-key.js';
import { LOAD_HEADER, parseLoadHeader, recordLoadReport } from '../balancing/load-report.js';
import type { Observers } from '../observe/observers.js';
import type { Backend } from '../pool/backend.js';
import type { BreakerRefusal, CircuitBreaker } from '../pool/circuit-breaker.js';
import type { Service } from '../pool/service.js';
import { isPromise } from '../state/state-store.js';
import { admitAttempt } from './breaker-admission.js';
import { type Failure, mayResendOnFreshConnection, mayRetryElsewhere, type ResendFacts } from './retry-policy.js';

export { Failure } from './retry-policy.js';
export { LOAD_HEADER };

/** Why no attempt could be made; the protocol turns it into its own 502/503. */
export type AttemptRefusal =
  | { readonly status: 503; readonly reason: 'no-backend' }
  | { readonly status: 502; readonly reason: 'exhausted' }
  | { readonly status: 503; readonly reason: 'circuit'; readonly circuit: Exclude<BreakerRefusal, ''>; readonly retryAfterSeconds: number };

const NO_BACKEND: AttemptRefusal = { status: 503, reason: 'no-backend' };
const EXHAUSTED: AttemptRefusal = { status: 502, reason: 'exhausted' };
const NONE: readonly Backend[] = [];

/** The protocol side of an attempt: it sends, or answers the refusal. */
export interface AttemptHandler {
  /** Send the request to `backend` (already counted and admitted); called again for each retry. */
  attemptOn(backend: Backend): void;
  /** No backend can take the request: answer `refusal.status`. */
  attemptRefused(refusal: AttemptRefusal): void;
  /** What a hash algorithm hashes (a string is the key itself); asked only when the service's algorithm uses a key. */
  attemptKey(): KeySource | string;
}

export class Attempt implements ResendFacts {
  /** the backend of the attempt in progress; null between attempts and after the end */
  backend: Backend | null = null;
  /** the backend that got the last attempt, for metrics and logs */
  servedBy: Backend | null = null;
  /** attempts made so far */
  attempts = 0;
  readonly startedAt = performance.now();
  /** ms from the start to the response head (-1 until then): what load-aware algorithms learn */
  latencyMs = -1;
  /** ms the last new upstream connection took to open (-1: none opened, a pooled one was used) */
  connectMs = -1;
  /** when the new connection in progress began opening (-1: none) */
  private connectStart = -1;
  /** the backend's response status, 0 until a response head arrived */
  status = 0;
  // ResendFacts: kept up to date by the protocol
  bodySent = false;
  responded = false;
  private tried: Backend[] | null = null;
  /** sticky sessions: the backend the request's cookie or client IP points to */
  private stuckTo: Backend | undefined = undefined;
  /** the breaker that admitted the attempt in progress (owed one `done`); null without one */
  private breaker: CircuitBreaker | null = null;
  /** the attempt in progress counts as pending in the breaker until its new connection opens */
  private connecting = false;
  private resentOnFresh = false;
  private cancelled = false;

  constructor(
    readonly service: Service,
    private readonly handler: AttemptHandler,
    readonly clientIp: string,
    /** the request's method ('' for an L4 connection) */
    readonly method: string,
    /** a request body follows the head */
    readonly hasBody: boolean,
    private readonly observers: Observers | null,
  ) {}

  /** The first attempt: sticky sessions first look up the backend the request is stuck to. */
  start(cookie: string | undefined): void {
    const sticky = this.service.sticky;
    if (sticky === null) return this.next();
    const found = sticky.lookup(cookie, this.clientIp);
    if (!isPromise(found)) {
      this.stuckTo = found;
      this.next();
      return;
    }
    void found.then((backend) => {
      if (this.cancelled) return;
      this.stuckTo = backend;
      this.next();
    });
  }

  /** The Set-Cookie field line for the backend that answered ('' = none). */
  stickyField(secure: boolean): string {
    const sticky = this.service.sticky;
    if (sticky === null || this.servedBy === null) return '';
    return sticky.onResponse(this.servedBy, this.stuckTo, this.clientIp, secure);
  }

  /** The attempt waits for a new upstream connection: it counts as pending in the breaker. */
  connectionPending(): void {
    this.connectStart = performance.now();
    if (this.breaker === null || this.connecting) return;
    this.connecting = true;
    this.breaker.addPending(1);
  }

  /** The attempt's upstream connection is open. */
  connectionOpened(): void {
    if (this.connectStart >= 0) {
      this.connectMs = performance.now() - this.connectStart;
      this.connectStart = -1;
    }
    if (!this.connecting) return;
    this.connecting = false;
    this.breaker!.addPending(-1);
  }

  /** The backend's response head arrived: the latency sample, and its load report when the algorithm reads them. */
  responseHead(status: number, loadReport: string | undefined): void {
    this.status = status;
    this.latencyMs = performance.now() - this.startedAt;
    if (loadReport !== undefined && this.service.readsLoadReports && this.backend !== null) {
      const load = parseLoadHeader(loadReport);
      if (load !== undefined) recordLoadReport(this.backend, load, performance.now());
    }
  }

  /** Whether the retry policy lets the request go to another backend after `failure` (nothing changes). */
  canRetry(failure: Failure): boolean {
    return !this.cancelled && mayRetryElsewhere(failure, this, this.attempts, this.service.config.retries);
  }

  /**
   * Send the request to the next backend (after `canRetry`): the failed attempt is released with
   * `outcome` and the handler hears `attemptOn` (or `attemptRefused`) again.
   */
  retry(outcome: Outcome): void {
    const failed = this.backend;
    this.end(outcome);
    if (failed !== null) (this.tried ??= []).push(failed);
    this.status = 0;
    this.latencyMs = -1;
    this.next();
  }

  /** Retry after `failure` when the policy allows (true), else end the attempt with `outcome` (false: the caller answers). */
  retryOrEnd(failure: Failure, outcome: Outcome): boolean {
    if (this.canRetry(failure)) {
      this.retry(outcome);
      return true;
    }
    this.end(outcome);
    return false;
  }

  /** A stale pooled socket: true when the request may be sent once more to the same backend on a new connection. */
  resendOnFreshConnection(): boolean {
    if (!mayResendOnFreshConnection(this, this.resentOnFresh)) return false;
    this.resentOnFresh = true;
    return true;
  }

  /** The attempt in progress ended: counters, the balancer, passive health and the breaker learn `outcome`. */
  end(outcome: Outcome): void {
    const backend = this.backend;
    if (backend === null) return;
    this.backend = null;
    const latency = this.latencyMs >= 0 ? this.latencyMs : performance.now() - this.startedAt;
    this.service.endOn(backend, outcome, latency, this.status);
    const breaker = this.breaker;
    this.connectStart = -1; // a connection that never opened took no connect time
    if (breaker !== null) {
      this.breaker = null;
      this.connectionOpened();
      breaker.done(outcome, this.status, latency);
    }
  }

  /** The client went away: release without blaming the backend, and make no further attempt. */
  cancel(): void {
    this.cancelled = true;
    this.end('cancelled');
  }

  private next(): void {
    const service = this.service;
    for (;;) {
      const backend = this.choose();
      if (backend === undefined) {
        if (this.attempts === 0) {
          if (this.observers !== null) this.observers.stats.service(service.name).noBackend++;
          this.handler.attemptRefused(NO_BACKEND);
        } else {
          this.handler.attemptRefused(EXHAUSTED);
        }
        return;
      }
      const breaker = service.breaker;
      if (breaker !== null) {
        const refusal = admitAttempt(breaker, service, backend);
        if (refusal !== '') {
          this.handler.attemptRefused({ status: 503, reason: 'circuit', circuit: refusal, retryAfterSeconds: breaker.retryAfterSeconds() });
          return;
        }
      }
      if (!service.tryStartOn(backend)) {
        // full by the time it is counted (another worker took its last place since the pick): pick again
        breaker?.done('cancelled', 0, 0);
        (this.tried ??= []).push(backend);
        continue;
      }
      this.breaker = breaker;
      this.attempts++;
      if (this.attempts > 1 && this.observers !== null) this.observers.stats.service(service.name).retries++;
      this.backend = backend;
      this.servedBy = backend;
      this.handler.attemptOn(backend);
      return;
    }
  }

  /** The sticky backend on the first attempt while it is available, else the balancer's pick. */
  private choose(): Backend | undefined {
    const stuckTo = this.stuckTo;
    if (stuckTo !== undefined && this.attempts === 0 && stuckTo.available()) return stuckTo;
    const service = this.service;
    const balancer = service.balancer;
    const ctx: PickContext = { clientIp: this.clientIp, key: '' };
    if (balancer.usesKey) {
      const source = this.handler.attemptKey();
      ctx.key = typeof source === 'string' ? source : service.hashKey(source);
    }
    return balancer.pick(ctx, this.tried ?? NONE);
  }
}
