import type { HealthCheckConfig } from '../config/types.js';
import type { Backend } from '../pool/backend.js';
import type { HealthCheck } from './health-check.js';
import { DnsCheck } from './dns-check.js';
import { GrpcCheck } from './grpc-check.js';
import { HttpCheck } from './http-check.js';
import { HealthStateMachine, type Transition } from './state-machine.js';
import { TcpCheck } from './tcp-check.js';
import { TlsCheck } from './tls-check.js';

export type TransitionListener = (backend: Backend, transition: Transition) => void;

export function createHealthCheck(config: HealthCheckConfig): HealthCheck {
  switch (config.type) {
    case 'tcp':
      return new TcpCheck(config.port);
    case 'tls':
      return new TlsCheck(config.port, config.sni);
    case 'http':
      return new HttpCheck(config);
    case 'grpc':
      return new GrpcCheck(config.grpcService ?? '', config.port);
    case 'dns':
      return new DnsCheck(config);
  }
}

/**
 * Probes every backend of a service on its own schedule, traffic or not: the next probe
 * starts `interval` (or `downInterval` while the backend is down) plus a random 0..jitter
 * after the previous one ended, so a slow probe never overlaps the next. Results go
 * through a rise/fall state machine; only transitions reach the listener. Timers are
 * unref'd: probes never keep the process alive.
 */
export class ActiveChecker {
  private readonly loops = new Map<Backend, ProbeLoop>();
  private readonly check: HealthCheck;

  constructor(
    readonly config: HealthCheckConfig,
    private readonly onTransition: TransitionListener,
    private readonly random: () => number = Math.random,
  ) {
    this.check = createHealthCheck(config);
  }

  /** Probes exactly these backends: starts loops for new ones, stops those gone. */
  sync(backends: readonly Backend[]): void {
    const keep = new Set(backends);
    for (const [backend, loop] of this.loops) {
      if (!keep.has(backend)) {
        loop.stop();
        this.loops.delete(backend);
      }
    }
    for (const backend of backends) {
      if (this.loops.has(backend)) continue;
      const loop = new ProbeLoop(backend, this.config, this.check, this.onTransition, this.random);
      this.loops.set(backend, loop);
      loop.start();
    }
  }

  stop(): void {
    for (const loop of this.loops.values()) loop.stop();
    this.loops.clear();
  }
}

class ProbeLoop {
  private readonly machine: HealthStateMachine;
  private timer: NodeJS.Timeout | null = null;
  private timeout: NodeJS.Timeout | null = null;
  private controller: AbortController | null = null;
  private stopped = false;

  constructor(
    private readonly backend: Backend,
    private readonly config: HealthCheckConfig,
    private readonly check: HealthCheck,
    private readonly onTransition: TransitionListener,
    private readonly random: () => number,
  ) {
    // a loop that replaces another (new check settings) carries on from what is known
    this.machine = new HealthStateMachine(config.healthyThreshold, config.unhealthyThreshold, backend.healthStatus);
  }

  start(): void {
    // the first probe right away (spread by jitter), so an unknown state does not last
    this.schedule(this.random() * this.config.jitter);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.controller?.abort(new Error('stopped'));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(this.probe, delayMs);
    this.timer.unref();
  }

  private readonly probe = (): void => {
    this.timer = null;
    const controller = new AbortController();
    this.controller = controller;
    const timeoutMs = this.config.timeout;
    this.timeout = setTimeout(() => controller.abort(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    this.timeout.unref();
    this.check.check(this.backend, controller.signal).then(
      () => this.result(true, 'ok'),
      (error: unknown) => this.result(false, error instanceof Error ? error.message : String(error)),
    );
  };

  private result(ok: boolean, reason: string): void {
    if (this.timeout !== null) clearTimeout(this.timeout);
    this.timeout = null;
    this.controller = null;
    if (this.stopped) return;
    const transition = this.machine.record(ok, reason);
    if (transition !== null) this.onTransition(this.backend, transition);
    const { interval, downInterval, jitter } = this.config;
    const base = this.machine.status === 'unhealthy' ? downInterval : interval;
    this.schedule(base + (jitter > 0 ? this.random() * jitter : 0));
  }
}
