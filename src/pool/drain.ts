import type { UpstreamKeepAlive } from '../config/types.js';
import { upstreamPool } from '../http/upstream/pool.js';
import type { Backend } from './backend.js';

/** Why a backend takes no new requests: weight 0, an operator's drain, or it left the config. */
export type DrainReason = 'weight-0' | 'admin' | 'removed';

/** draining: requests or connections still open; drained: idle; timed-out: closed at the deadline */
export type DrainPhase = 'draining' | 'drained' | 'timed-out';

/** How often a drain looks whether its backend went idle: operator time, not request time. */
const POLL_MS = 50;

/** One backend's drain: no new requests; in-flight ones finish until `deadline`, then its connections close. */
export class Drain {
  phase: DrainPhase = 'draining';
  readonly since = Date.now();
  readonly deadline: number;
  private poll: NodeJS.Timeout | null;
  private timer: NodeJS.Timeout | null;

  constructor(
    readonly backend: Backend,
    readonly service: string,
    public reason: DrainReason,
    private readonly keepAlive: UpstreamKeepAlive,
    timeoutMs: number,
    private readonly onEnd: (drain: Drain) => void,
  ) {
    this.deadline = this.since + timeoutMs;
    backend.draining = true;
    // idle keep-alive sockets would never carry another request
    upstreamPool(backend, keepAlive).closeAll();
    this.poll = setInterval(this.check, POLL_MS).unref();
    this.timer = setTimeout(this.expire, timeoutMs).unref();
    this.check();
  }

  /** the backend has no request in flight and no connection open */
  get idle(): boolean {
    return this.backend.inflight === 0 && upstreamPool(this.backend, this.keepAlive).openCount === 0;
  }

  /** Stop the clocks; `undrain` also lets the backend take requests again. */
  cancel(undrain: boolean): void {
    this.stopClocks();
    if (undrain) this.backend.draining = false;
  }

  closeIdle(): void {
    upstreamPool(this.backend, this.keepAlive).closeAll();
  }

  private readonly check = (): void => {
    if (this.phase === 'draining' && this.idle) this.finish('drained');
  };

  private readonly expire = (): void => {
    if (this.phase !== 'draining') return;
    upstreamPool(this.backend, this.keepAlive).destroyAll();
    this.finish('timed-out');
  };

  private finish(phase: DrainPhase): void {
    this.phase = phase;
    this.stopClocks();
    this.onEnd(this);
  }

  private stopClocks(): void {
    if (this.poll !== null) clearInterval(this.poll);
    if (this.timer !== null) clearTimeout(this.timer);
    this.poll = this.timer = null;
  }

  toJSON(): object {
    return { reason: this.reason, phase: this.phase, since: new Date(this.since).toISOString(), deadline: new Date(this.deadline).toISOString() };
  }
}

/**
 * The drains of one running balancer. Backends that left the config (`removed`) are kept
 * here until they are idle or their drain times out, so they stay visible and their
 * in-flight requests are not cut short.
 */
export class Drains {
  private readonly byBackend = new Map<Backend, Drain>();

  get(backend: Backend): Drain | undefined {
    return this.byBackend.get(backend);
  }

  /** Start draining (or, already draining, just record the new reason: the deadline does not move). */
  start(backend: Backend, service: string, reason: DrainReason, keepAlive: UpstreamKeepAlive, timeoutMs: number): Drain {
    const current = this.byBackend.get(backend);
    if (current !== undefined) {
      if (reason === 'removed' || current.reason !== 'removed') current.reason = reason;
      if (reason === 'removed' && current.phase !== 'draining') this.byBackend.delete(backend);
      return current;
    }
    const drain = new Drain(backend, service, reason, keepAlive, timeoutMs, this.ended);
    if (drain.phase === 'draining' || reason !== 'removed') this.byBackend.set(backend, drain);
    return drain;
  }

  /** The backend may take requests again. */
  stop(backend: Backend): void {
    const drain = this.byBackend.get(backend);
    if (drain === undefined) return;
    drain.cancel(true);
    this.byBackend.delete(backend);
  }

  /** Backends removed from `service` that still have requests or connections open. */
  retiring(service: string): Drain[] {
    return [...this.byBackend.values()].filter((d) => d.service === service && d.reason === 'removed');
  }

  /** The balancer is stopping: stop the clocks and close idle connections (those in use go with their client). */
  closeAll(): void {
    for (const drain of this.byBackend.values()) drain.cancel(false);
    for (const drain of this.byBackend.values()) drain.closeIdle();
    this.byBackend.clear();
  }

  // a removed backend is forgotten once idle or closed; the others stay drained until undrained
  private readonly ended = (drain: Drain): void => {
    if (drain.reason === 'removed' && this.byBackend.get(drain.backend) === drain) this.byBackend.delete(drain.backend);
  };
}
