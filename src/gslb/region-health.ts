// The health of every GSLB region, from the same probes and rise/fall state machine as a service's
// backends (src/health): each region's check URL is probed as a backend at the URL's host and port.
import { healthCheckSchema } from '../config/health-schema.js';
import type { GslbConfig } from '../config/types.js';
import { ActiveChecker } from '../health/active-checker.js';
import type { Transition } from '../health/state-machine.js';
import { Backend } from '../pool/backend.js';

type RegionConfig = GslbConfig['regions'][string];

export interface RegionState {
  name: string;
  /** what answers see: a region without a check is always up; an unchecked one counts as up until its first probe */
  up: boolean;
  status: 'unchecked' | 'unknown' | 'healthy' | 'unhealthy';
  reason: string;
  /** ms epoch of the last transition (or of the start) */
  since: number;
  check: string | null;
}

export type RegionListener = (region: string, transition: Transition) => void;

export class RegionHealth {
  private readonly probes = new Map<string, { backend: Backend; checker: ActiveChecker }>();
  private readonly since = new Map<string, number>();

  /** Probed targets of a previous config whose check is unchanged: their state carries on (a reload must not re-advertise a region known to be down). */
  private readonly carried = new Map<string, Backend>();

  constructor(
    private readonly regions: ReadonlyMap<string, RegionConfig>,
    private readonly onTransition: RegionListener,
    previous?: RegionHealth,
  ) {
    const started = Date.now();
    for (const [name, region] of regions) {
      this.since.set(name, started);
      const before = previous?.probes.get(name);
      if (before !== undefined && region.check !== undefined && JSON.stringify(previous!.regions.get(name)?.check) === JSON.stringify(region.check)) {
        this.carried.set(name, before.backend);
        this.since.set(name, previous!.since.get(name) ?? started);
      }
    }
  }

  /** Starts the probes (the first one at once); idempotent. */
  start(): void {
    for (const [name, region] of this.regions) {
      if (region.check === undefined || this.probes.has(name)) continue;
      const { url, interval, timeout, fall, rise } = region.check;
      const config = healthCheckSchema.parse({
        type: 'http',
        interval,
        timeout,
        healthyThreshold: rise,
        unhealthyThreshold: fall,
        path: url.path,
        host: url.port === 80 ? url.host : `${url.host.includes(':') ? `[${url.host}]` : url.host}:${url.port}`,
      });
      // the probe loop starts from the backend's health status: a carried one keeps what is known
      const backend = this.carried.get(name) ?? new Backend({ name, address: { host: url.host, port: url.port }, weight: 1, maxConnections: 0 });
      const checker = new ActiveChecker(config, (probed, transition) => this.record(name, probed, transition));
      this.probes.set(name, { backend, checker });
      checker.sync([backend]);
    }
  }

  stop(): void {
    for (const { checker } of this.probes.values()) checker.stop();
    this.probes.clear();
  }

  /** The probed target of a region: its loop's, or before start() the one carried from the previous config. */
  private target(name: string): Backend | undefined {
    return this.probes.get(name)?.backend ?? this.carried.get(name);
  }

  isUp(name: string): boolean {
    const backend = this.target(name);
    return backend === undefined || backend.healthStatus !== 'unhealthy';
  }

  state(name: string): RegionState {
    const backend = this.target(name);
    const check = this.regions.get(name)?.check?.url.url ?? null;
    const since = this.since.get(name) ?? 0;
    if (backend === undefined) return { name, up: true, status: check === null ? 'unchecked' : 'unknown', reason: '', since, check };
    return { name, up: backend.healthStatus !== 'unhealthy', status: backend.healthStatus, reason: backend.healthReason, since, check };
  }

  private record(name: string, backend: Backend, transition: Transition): void {
    backend.healthStatus = transition.to;
    backend.healthReason = transition.reason;
    backend.healthy = transition.to === 'healthy';
    this.since.set(name, Date.now());
    this.onTransition(name, transition);
  }
}
