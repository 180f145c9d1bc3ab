import type { Backend } from './backend.js';

/** Why a backend takes no new requests: weight 0, an operator's drain, or it left the config. */
export type DrainReason = 'weight-0' | 'admin' | 'removed';

/** draining: requests or connections still open; drained: idle; timed-out: closed at the deadline */
export type DrainPhase = 'draining' | 'drained' | 'timed-out';

/** How often a drain looks whether its backend went idle: operator time, not request time. */
const POLL_MS = 50;

/**
 * One backend's drain: no new requests; in-flight ones finish until `deadline`, then its
 * connections close. Idle connections close at once, and then whenever more go idle (an HTTP/2
 * session gets its GOAWAY once its streams have ended).
 */
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
    timeoutMs: number,
    private readonly onEnd: (drain: Drain) => void,
  ) {
    this.deadline = this.since + timeoutMs;
    backend.draining = true;
    this.poll = setInterval(this.check, POLL_MS).unref();
    this.timer = setTimeout(this.expire, timeoutMs).unref();
    this.check();
  }

  /** the backend has no request in flight and no connection open */
  get idle(): boolean {
    const connections = this.backend.connections;
    return this.backend.inflight === 0 && (connections === null || connections.openCount === 0);
  }

  /** Stop the clocks; `undrain` also lets the backend take requests again. */
  cancel(undrain: boolean): void {
    this.stopClocks();
    if (undrain) this.backend.draining = false;
  }

  /** Close every connection to the backend now. */
  destroyConnections(): void {
    this.backend.connections?.destroyAll();
  }

  private readonly check = (): void => {
    if (this.phase !== 'draining') return;
    // idle connections would never carry another request
    this.backend.connections?.closeIdle();
    if (this.idle) this.finish('drained');
  };

  private readonly expire = (): void => {
    if (this.phase !== 'draining') return;
    this.destroyConnections();
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

  /** every drain in progress */
  all(): IterableIterator<Drain> {
    return this.byBackend.values();
  }

  get(backend: Backend): Drain | undefined {
    return this.byBackend.get(backend);
  }

  /** Start draining (or, already draining, just record the new reason: the deadline does not move). */
  start(backend: Backend, service: string, reason: DrainReason, timeoutMs: number): Drain {
    const current = this.byBackend.get(backend);
    if (current !== undefined) {
      if (reason === 'removed' || current.reason !== 'removed') current.reason = reason;
      if (reason === 'removed' && current.phase !== 'draining') this.byBackend.delete(backend);
      return current;
    }
    const drain = new Drain(backend, service, reason, timeoutMs, this.ended);
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

  /** The balancer is stopping: stop the clocks and close every connection of the draining backends. */
  closeAll(): void {
    for (const drain of this.byBackend.values()) drain.cancel(false);
    for (const drain of this.byBackend.values()) drain.destroyConnections();
    this.byBackend.clear();
  }

  // a removed backend is forgotten once idle or closed; the others stay drained until undrained
  private readonly ended = (drain: Drain): void => {
    if (drain.reason === 'removed' && this.byBackend.get(drain.backend) === drain) this.byBackend.delete(drain.backend);
  };
}
