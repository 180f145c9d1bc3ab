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

  constructor(
    private readonly regions: ReadonlyMap<string, RegionConfig>,
    private readonly onTransition: RegionListener,
  ) {
    const started = Date.now();
    for (const name of regions.keys()) this.since.set(name, started);
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
      const backend = new Backend({ name, address: { host: url.host, port: url.port }, weight: 1, maxConnections: 0 });
      const checker = new ActiveChecker(config, (probed, transition) => this.record(name, probed, transition));
      this.probes.set(name, { backend, checker });
      checker.sync([backend]);
    }
  }

  stop(): void {
    for (const { checker } of this.probes.values()) checker.stop();
    this.probes.clear();
  }

  isUp(name: string): boolean {
    const probe = this.probes.get(name);
    return probe === undefined || probe.backend.healthStatus !== 'unhealthy';
  }

  state(name: string): RegionState {
    const probe = this.probes.get(name);
    const check = this.regions.get(name)?.check?.url.url ?? null;
    const since = this.since.get(name) ?? 0;
    if (probe === undefined) return { name, up: true, status: check === null ? 'unchecked' : 'unknown', reason: '', since, check };
    const { backend } = probe;
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
