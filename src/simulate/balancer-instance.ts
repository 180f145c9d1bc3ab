// One simulated load balancer: a real Service (real Backend objects, the real balancer from
// src/balancing, startOn/endOn) and the real health parts — HealthStateMachine for active checks,
// OutlierDetector for passive health, SlowStart — on the simulated clock. Only the probes are
// simulated (a probe passes when the server is up); the wiring follows src/health/service-health.ts.
import type { Balancer, BalancerOptions, Outcome, PickContext } from '../balancing/balancer.js';
import { balancerFactory } from '../balancing/registry.js';
import type { ServiceConfig } from '../config/types.js';
import { serviceSchema } from '../config/service-schema.js';
import { OutlierDetector, type OutlierTimers } from '../health/outlier-detector.js';
import { inPanic } from '../health/panic.js';
import { SlowStart } from '../health/slow-start.js';
import { HealthStateMachine } from '../health/state-machine.js';
import type { Backend } from '../pool/backend.js';
import { Service } from '../pool/service.js';
import type { Prng } from './prng.js';
import type { VariantSpec } from './scenario-schema.js';
import type { SimServer } from './server-model.js';

const HASHING = new Set(['ip-hash', 'consistent-hash', 'maglev']);

export interface SimClock {
  now(): number;
  timers: OutlierTimers;
}

export class BalancerInstance {
  readonly service: Service;
  /** server index → this balancer's Backend for it */
  readonly backendOf: Backend[] = [];
  private readonly serverOf = new Map<Backend, number>();
  private readonly machines = new Map<Backend, HealthStateMachine>();
  readonly slowStart: SlowStart;
  private readonly outliers: OutlierDetector | null = null;
  private readonly options: BalancerOptions;
  readonly hashing: boolean;
  private readonly noneTried: Backend[] = [];

  constructor(
    private readonly variant: VariantSpec,
    servers: readonly SimServer[],
    rng: Prng,
    clock: SimClock,
  ) {
    const now = () => clock.now();
    this.options = { choices: variant.choices, hashBalanceFactor: variant.hashBalanceFactor, random: rng.asFunction(), now };
    this.hashing = HASHING.has(variant.algorithm);
    this.service = new Service(this.configFor(servers), this.options.random);
    this.adopt(servers);
    this.slowStart = new SlowStart(variant.slowStart, now, 0);
    if (variant.passiveHealth !== undefined) {
      this.outliers = new OutlierDetector(variant.passiveHealth, this.service.backends, { ejected: (b) => this.onEjected(b), returned: (b) => this.onReturned(b) }, now, clock.timers);
      this.service.outliers = this.outliers;
    }
  }

  get balancer(): Balancer {
    return this.service.balancer;
  }

  pick(ctx: PickContext): Backend | undefined {
    return this.service.balancer.pick(ctx, this.noneTried);
  }

  serverIndex(backend: Backend): number {
    return this.serverOf.get(backend)!;
  }

  start(backend: Backend): void {
    this.service.startOn(backend);
  }

  end(backend: Backend, outcome: Outcome, latencyMs: number, status: number): void {
    this.service.endOn(backend, outcome, latencyMs, status);
  }

  /** Membership changed (a server joined or left): the Service adopts it as it would a reload. */
  membership(servers: readonly SimServer[], added: readonly SimServer[]): void {
    if (!servers.some((s) => s.present)) return;
    this.service.applyConfig(this.configFor(servers));
    this.adopt(servers);
    this.outliers?.update(this.variant.passiveHealth!, this.service.backends);
    for (const server of added) {
      const backend = this.backendOf[server.index];
      if (backend !== undefined) this.slowStart.start(backend);
    }
  }

  /** One round of active checks: a probe passes when the server is up. */
  probe(servers: readonly SimServer[]): void {
    for (const backend of this.service.backends) {
      const machine = this.machines.get(backend);
      if (machine === undefined) continue;
      const server = servers[this.serverIndex(backend)]!;
      const transition = machine.record(server.up, server.up ? 'ok' : 'connect: ECONNREFUSED');
      if (transition === null) continue;
      backend.healthStatus = transition.to;
      backend.healthReason = transition.reason;
      backend.healthy = transition.to === 'healthy';
      if (transition.to === 'healthy') {
        if (transition.from === 'unhealthy') this.slowStart.start(backend);
      } else {
        this.slowStart.cancel(backend);
      }
      this.updatePanic();
    }
  }

  /** Slow start's 100 ms tick, on the simulated clock. */
  tick(): void {
    this.slowStart.tick();
  }

  ramping(): boolean {
    for (const backend of this.service.backends) if (this.slowStart.ramping(backend)) return true;
    return false;
  }

  /** The backend each key maps to now (hash algorithms), as server indexes. */
  mapping(keys: readonly string[], ctx: PickContext, out: Int32Array): void {
    for (let k = 0; k < keys.length; k++) {
      ctx.key = keys[k]!;
      ctx.clientIp = ctx.key;
      const backend = this.pick(ctx);
      out[k] = backend === undefined ? -1 : this.serverIndex(backend);
    }
  }

  private onEjected(backend: Backend): void {
    this.slowStart.cancel(backend);
    this.updatePanic();
  }

  private onReturned(backend: Backend): void {
    this.slowStart.start(backend);
    this.updatePanic();
  }

  private updatePanic(): void {
    const panic = inPanic(this.service.backends, this.variant.panicThreshold);
    for (const backend of this.service.backends) backend.panic = panic;
  }

  /** Backend objects ↔ servers, the balancer on the simulated clock, health machines for new backends. */
  private adopt(servers: readonly SimServer[]): void {
    const present = servers.filter((s) => s.present);
    this.service.backends.forEach((backend, i) => {
      const server = present[i]!;
      this.backendOf[server.index] = backend;
      this.serverOf.set(backend, server.index);
      if (this.variant.healthCheck !== undefined) {
        let machine = this.machines.get(backend);
        if (machine === undefined) {
          machine = new HealthStateMachine(this.variant.healthCheck.healthyThreshold, this.variant.healthCheck.unhealthyThreshold, 'healthy');
          this.machines.set(backend, machine);
        }
        // applyConfig without a healthCheck resets health: the machines are what is known
        backend.healthStatus = machine.status;
        backend.healthy = machine.status !== 'unhealthy';
      }
    });
    // the Service built its balancer without a clock; least-response-time and resource read one
    this.service.balancer = balancerFactory(this.variant.algorithm)(this.service.backends, this.options);
    this.updatePanic();
  }

  private configFor(servers: readonly SimServer[]): ServiceConfig {
    const parsed = serviceSchema.parse({
      algorithm: this.variant.algorithm,
      choices: this.variant.choices,
      hashBalanceFactor: this.variant.hashBalanceFactor,
      panicThreshold: this.variant.panicThreshold,
      backends: servers
        .filter((s) => s.present)
        .map((s) => ({ name: s.name.replace(/[^A-Za-z0-9_.-]/g, '_'), address: `10.${(s.index >> 8) & 255}.${s.index & 255}.1:8080`, weight: s.weight })),
    });
    return { name: 'simulated', ...parsed };
  }
}
