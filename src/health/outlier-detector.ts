import type { Outcome } from '../balancing/balancer.js';
import type { PassiveHealthConfig } from '../config/types.js';
import type { Backend } from '../pool/backend.js';

/** Where ejection-end timers come from: the real timers by default, a simulated clock's in `fulcrum simulate`. */
export interface OutlierTimers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: OutlierTimers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface OutlierEvents {
  ejected(backend: Backend, reason: string, durationMs: number): void;
  returned(backend: Backend): void;
}

const FAILURE_NAMES: Record<string, string> = {
  'connect-failure': 'connect failure',
  timeout: 'timeout',
  failure: 'broken response',
};

/**
 * Counts the outcome in the backend's run of failures (a success ends the run; a 5xx is a failure
 * with `on5xx`); true when the run of a backend still in rotation has reached `maxFails`.
 */
export function countFailure(config: PassiveHealthConfig, backend: Backend, outcome: Outcome, status: number): boolean {
  if (outcome === 'cancelled') return false;
  if (outcome === 'success' && !(status >= 500 && config.on5xx)) {
    if (backend.consecutiveFailures !== 0) backend.consecutiveFailures = 0;
    return false;
  }
  if (backend.ejected) return false;
  return ++backend.consecutiveFailures >= config.maxFails;
}

/** Why a backend is ejected, for the log. */
export function failureReason(failures: number, outcome: Outcome, status: number): string {
  const what = outcome === 'success' ? `${status} response` : FAILURE_NAMES[outcome];
  return `${failures} consecutive failures (last: ${what})`;
}

/**
 * Passive health: real traffic outcomes eject a backend after `maxFails` consecutive
 * failures (connect failures, timeouts, broken responses, and 5xx when `on5xx`). The n-th
 * ejection lasts n × failTimeout, capped at maxEjectionTime, as in Envoy; the count starts
 * over once a backend has gone maxEjectionTime without one. At most maxEjectionPercent of
 * the service (but always at least one backend) is out at a time.
 *
 * The consecutive-failure count lives on Backend, so recording an outcome is a few field
 * writes: no lookup, no allocation on the data path.
 */
export class OutlierDetector {
  private readonly timers = new Map<Backend, unknown>();

  constructor(
    private config: PassiveHealthConfig,
    private backends: readonly Backend[],
    private readonly events: OutlierEvents,
    private readonly now: () => number = Date.now,
    private readonly clock: OutlierTimers = REAL_TIMERS,
  ) {
    this.resumeEjections();
  }

  update(config: PassiveHealthConfig, backends: readonly Backend[]): void {
    this.config = config;
    this.backends = backends;
    for (const backend of this.timers.keys()) if (!backends.includes(backend)) this.release(backend, false);
  }

  /** One finished request or connection; `status` is the response status, 0 when there was none. */
  record(backend: Backend, outcome: Outcome, status: number): void {
    if (countFailure(this.config, backend, outcome, status)) this.eject(backend, failureReason(backend.consecutiveFailures, outcome, status));
  }

  /** Another detector (a worker's ReportedOutliers) saw maxFails failures in a row: eject as if seen here. */
  reported(backend: Backend, reason: string): void {
    if (!backend.ejected) this.eject(backend, reason);
  }

  /** Backends currently ejected may stay out no more than this many. */
  maxEjected(): number {
    const percent = this.config.maxEjectionPercent;
    if (percent <= 0) return 0;
    return Math.max(1, Math.floor((this.backends.length * percent) / 100));
  }

  private eject(backend: Backend, reason: string): void {
    let ejected = 0;
    for (const b of this.backends) if (b.ejected) ejected++;
    if (ejected >= this.maxEjected()) return; // the count stays: the next failure tries again
    const now = this.now();
    const { failTimeout, maxEjectionTime } = this.config;
    if (backend.ejections > 0 && now - backend.ejectedUntil > maxEjectionTime) backend.ejections = 0;
    backend.ejections++;
    const durationMs = Math.min(failTimeout * backend.ejections, maxEjectionTime);
    backend.ejectedUntil = now + durationMs;
    backend.consecutiveFailures = 0;
    backend.ejected = true;
    this.scheduleReturn(backend, durationMs);
    this.events.ejected(backend, reason, durationMs);
  }

  private scheduleReturn(backend: Backend, delayMs: number): void {
    this.timers.set(
      backend,
      this.clock.set(() => this.release(backend, true), Math.max(0, delayMs)),
    );
  }

  /** Ejections that outlived a previous detector (stop and start again, a reload) still end on time. */
  private resumeEjections(): void {
    const now = this.now();
    for (const backend of this.backends) if (backend.ejected) this.scheduleReturn(backend, backend.ejectedUntil - now);
  }

  /** The ejection is over (or cut short): back in rotation. */
  private release(backend: Backend, notify: boolean): void {
    const timer = this.timers.get(backend);
    if (timer !== undefined) this.clock.clear(timer);
    this.timers.delete(backend);
    if (!backend.ejected) return;
    backend.ejected = false;
    backend.consecutiveFailures = 0;
    if (notify) this.events.returned(backend);
  }

  /**
   * An active check brought the backend back up after it was down: its ejection (for failures seen
   * while it was down) ends now, as with Envoy's successful_active_health_check_uneject_host (on by
   * default) and HAProxy's `rise` after `on-error mark-down`. Returns whether it was ejected.
   */
  endEjection(backend: Backend): boolean {
    const was = backend.ejected;
    this.release(backend, false);
    return was;
  }

  /** Stops the timers; ejected backends stay ejected until a new detector takes over. */
  stop(): void {
    for (const timer of this.timers.values()) this.clock.clear(timer);
    this.timers.clear();
  }

  /** Ends every ejection now (passive health switched off). */
  releaseAll(): void {
    this.stop();
    for (const backend of this.backends) {
      backend.ejected = false;
      backend.consecutiveFailures = 0;
    }
  }
}
