import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { HealthCheckConfig, ServiceConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import type { Backend } from '../pool/backend.js';
import { ActiveChecker } from './active-checker.js';
import { OutlierDetector } from './outlier-detector.js';
import { inPanic } from './panic.js';
import { SlowStart } from './slow-start.js';
import type { Transition } from './state-machine.js';

export const DEFAULT_PANIC_THRESHOLD = 50;

/** What 'transition' events carry: one per change of a backend's (or the service's) state. */
export interface HealthEvent {
  kind: 'healthy' | 'unhealthy' | 'ejected' | 'returned' | 'panic' | 'calm';
  /** null for the service-wide panic events */
  backend: Backend | null;
  reason: string;
}

/**
 * Everything health does for one service: active checks, outlier detection, slow start
 * and panic mode, wired to the service's current backends. It writes Backend's health
 * fields, logs one line per transition and emits a 'transition' event for each (tests
 * and the admin API listen). start/stop are idempotent; apply() follows config changes
 * and keeps what is known about backends that stay.
 */
export class ServiceHealth extends EventEmitter {
  /** read by the data path after every request: null when passive health is off */
  outliers: OutlierDetector | null = null;
  private checker: ActiveChecker | null = null;
  private readonly slowStart = new SlowStart(0);
  /** added while running and waiting for their first check: they ramp once it passes */
  private readonly rampWhenUp = new Set<Backend>();
  private config: ServiceConfig | null = null;
  private backends: readonly Backend[] = [];
  private logger: Logger | null = null;
  private started = false;
  private panic = false;

  constructor(private readonly serviceName: string) {
    super();
  }

  get running(): boolean {
    return this.started;
  }

  apply(config: ServiceConfig, backends: readonly Backend[]): void {
    const before = new Set(this.backends);
    const now = new Set(backends);
    for (const backend of this.backends) {
      if (!now.has(backend)) {
        this.slowStart.cancel(backend);
        this.rampWhenUp.delete(backend);
      }
    }
    this.config = config;
    this.backends = backends;
    this.slowStart.setDuration(config.slowStart ?? 0);
    const check = config.healthCheck;
    for (const backend of backends) {
      if (check === undefined) resetHealth(backend);
      else if (backend.healthStatus === 'unknown') backend.healthy = check.initialState === 'healthy';
    }
    if (this.started) {
      for (const backend of backends) {
        if (before.has(backend)) continue;
        if (backend.healthy) this.slowStart.start(backend);
        else this.rampWhenUp.add(backend);
      }
      this.configure();
    }
    this.updatePanic();
  }

  start(logger: Logger): void {
    this.logger = logger;
    if (this.started) return;
    this.started = true;
    this.configure();
    this.updatePanic();
  }

  /** Stops probes and timers; backends keep their state, and a later start() carries on from it. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.checker?.stop();
    this.checker = null;
    this.outliers?.stop();
    this.outliers = null;
    this.slowStart.stop();
    this.rampWhenUp.clear();
  }

  private configure(): void {
    const config = this.config!;
    const check = config.healthCheck;
    if (check === undefined || !sameCheck(this.checker?.config, check)) {
      this.checker?.stop();
      this.checker = check === undefined ? null : new ActiveChecker(check, this.onTransition);
    }
    this.checker?.sync(this.backends);
    const passive = config.passiveHealth;
    if (passive === undefined) {
      this.outliers?.releaseAll();
      this.outliers = null;
    } else if (this.outliers === null) {
      this.outliers = new OutlierDetector(passive, this.backends, { ejected: this.onEjected, returned: this.onReturned });
    } else {
      this.outliers.update(passive, this.backends);
    }
  }

  private readonly onTransition = (backend: Backend, transition: Transition): void => {
    backend.healthStatus = transition.to;
    backend.healthReason = transition.reason;
    backend.healthSince = Date.now();
    backend.healthy = transition.to === 'healthy';
    const fields = { serviceName: this.serviceName, backend: backend.id, from: transition.from, to: transition.to, reason: transition.reason };
    if (transition.to === 'healthy') {
      if (transition.from === 'unhealthy' || this.rampWhenUp.delete(backend)) this.slowStart.start(backend);
      this.logger?.info(fields, 'backend healthy');
      // failures seen while it was down must not keep a recovered backend out for failTimeout more
      if (transition.from === 'unhealthy' && this.outliers?.endEjection(backend) === true) {
        this.logger?.info({ serviceName: this.serviceName, backend: backend.id, reason: 'active check passed' }, 'backend returned');
        this.emitEvent({ kind: 'returned', backend, reason: 'active check passed' });
      }
    } else {
      this.slowStart.cancel(backend);
      this.logger?.warn(fields, 'backend unhealthy');
    }
    this.emitEvent({ kind: transition.to, backend, reason: transition.reason });
    this.updatePanic();
  };

  private readonly onEjected = (backend: Backend, reason: string, durationMs: number): void => {
    backend.healthReason = reason;
    backend.healthSince = Date.now();
    this.slowStart.cancel(backend);
    this.logger?.warn({ serviceName: this.serviceName, backend: backend.id, reason, ejectedForMs: durationMs, ejections: backend.ejections }, 'backend ejected');
    this.emitEvent({ kind: 'ejected', backend, reason });
    this.updatePanic();
  };

  private readonly onReturned = (backend: Backend): void => {
    backend.healthReason = 'ejection over';
    backend.healthSince = Date.now();
    this.slowStart.start(backend);
    this.logger?.info({ serviceName: this.serviceName, backend: backend.id }, 'backend returned');
    this.emitEvent({ kind: 'returned', backend, reason: 'ejection over' });
    this.updatePanic();
  };

  /** Panic mode follows the share of healthy backends; call it after draining or weights change too. */
  updatePanic(): void {
    const threshold = this.config?.panicThreshold ?? DEFAULT_PANIC_THRESHOLD;
    const panic = inPanic(this.backends, threshold);
    for (const backend of this.backends) backend.panic = panic;
    if (panic === this.panic) return;
    this.panic = panic;
    const reason = panic ? `fewer than ${threshold}% of backends are healthy: balancing over all of them` : `at least ${threshold}% of backends are healthy again`;
    if (panic) this.logger?.warn({ serviceName: this.serviceName, threshold }, `panic mode: ${reason}`);
    else this.logger?.info({ serviceName: this.serviceName, threshold }, `panic mode over: ${reason}`);
    this.emitEvent({ kind: panic ? 'panic' : 'calm', backend: null, reason });
  }

  private emitEvent(event: HealthEvent): void {
    this.emit('transition', event);
  }
}

function sameCheck(a: HealthCheckConfig | undefined, b: HealthCheckConfig): boolean {
  return a !== undefined && isDeepStrictEqual(a, b);
}

/** Health checks switched off: every backend counts as healthy again. */
function resetHealth(backend: Backend): void {
  backend.healthStatus = 'unknown';
  backend.healthy = true;
}
