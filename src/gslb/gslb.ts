// The running GSLB: the zone built from `gslb:`, the health of its regions, the remote backend
// endpoint PowerDNS calls, and what it answered (counters, panic), for the admin API and /metrics.
import { formatHostPort } from '../config/net.js';
import type { GslbConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import { chooseRegions, type RegionFacts } from './choose.js';
import { ClientMap } from './client-map.js';
import { RegionHealth } from './region-health.js';
import { RemoteBackendServer } from './remote-backend.js';
import { type Answered, Zone } from './zone.js';

export interface GslbCounters {
  /** answers per name, then per region (a panic answer counts for every region it held) */
  answers: Map<string, Map<string, number>>;
  panicAnswers: Map<string, number>;
}

/** One config's zone with its probes: replaced whole by a reload. */
class ZoneRuntime {
  readonly health: RegionHealth;
  readonly zone: Zone;
  /** names whose regions are all down */
  readonly panic = new Set<string>();

  constructor(
    readonly config: GslbConfig,
    private readonly logger: Logger,
    previous?: ZoneRuntime,
  ) {
    const regions = new Map(Object.entries(config.regions));
    this.health = new RegionHealth(
      regions,
      (region, transition) => {
        const fields = { region, from: transition.from, to: transition.to, reason: transition.reason };
        if (transition.to === 'healthy') logger.info(fields, 'gslb region up');
        else logger.warn(fields, 'gslb region down: withdrawn from answers');
        this.updatePanic();
      },
      previous?.health,
    );
    const clientMap = new ClientMap([...regions].map(([name, region]) => ({ name, clients: region.clients })));
    this.zone = new Zone(config, clientMap, () => this.facts());
    // names already in panic under the previous config stay so without a second log line
    for (const name of previous?.panic ?? []) if (config.names[name] !== undefined) this.panic.add(name);
    this.updatePanic();
  }

  facts(): Map<string, RegionFacts> {
    const facts = new Map<string, RegionFacts>();
    for (const [name, region] of Object.entries(this.config.regions)) facts.set(name, { up: this.health.isUp(name), weight: region.weight, capacity: region.capacity });
    return facts;
  }

  private updatePanic(): void {
    for (const [name, spec] of Object.entries(this.config.names)) {
      const down = spec.regions.every((region) => !this.health.isUp(region));
      if (down && !this.panic.has(name)) {
        this.panic.add(name);
        this.logger.error({ name, regions: spec.regions }, 'gslb panic: every region of this name is down; answering all of them');
      } else if (!down && this.panic.delete(name)) {
        this.logger.info({ name }, 'gslb panic over: a region of this name is up again');
      }
    }
  }
}

export class Gslb {
  private runtime: ZoneRuntime;
  private readonly server: RemoteBackendServer;
  private bound: { host: string; port: number } | null = null;
  readonly counters: GslbCounters = { answers: new Map(), panicAnswers: new Map() };

  constructor(
    config: GslbConfig,
    private readonly logger: Logger,
  ) {
    this.runtime = new ZoneRuntime(config, logger);
    this.server = new RemoteBackendServer({ zone: () => this.runtime.zone, answered: (answered) => this.count(answered) }, logger);
  }

  get config(): GslbConfig {
    return this.runtime.config;
  }

  /** The address PowerDNS calls (the real port when the config said 0). */
  get address(): { host: string; port: number } {
    if (this.bound === null) throw new Error('gslb is not listening');
    return this.bound;
  }

  async start(): Promise<void> {
    const bound = await this.server.listen(this.config.listen);
    this.bound = { host: bound.address, port: bound.port };
    this.runtime.health.start();
    this.logger.info({ zone: this.config.zone, address: formatHostPort(this.bound) }, 'gslb remote backend listening');
  }

  /**
   * A reload: the new zone and probes replace the old in one step. A region whose check is
   * unchanged keeps its health; a new or changed check starts again from "not probed yet = up".
   * A new listen address rebinds the endpoint.
   */
  async update(config: GslbConfig): Promise<void> {
    const old = this.runtime;
    const next = new ZoneRuntime(config, this.logger, old);
    old.health.stop();
    if (formatHostPort(config.listen) !== formatHostPort(old.config.listen)) {
      await this.server.close();
      const bound = await this.server.listen(config.listen);
      this.bound = { host: bound.address, port: bound.port };
    }
    this.runtime = next;
    next.health.start();
  }

  async close(): Promise<void> {
    this.runtime.health.stop();
    await this.server.close();
  }

  /** Names in panic now. */
  panicNames(): string[] {
    return [...this.runtime.panic];
  }

  regionStates() {
    return Object.keys(this.config.regions).map((name) => this.runtime.health.state(name));
  }

  /** What a name answers a client of `region` (or one no range holds) now, for the admin API. */
  preview(name: string, clientIp: string | null) {
    const records = this.runtime.zone.lookup(name === '@' ? this.config.zone : `${name}.${this.config.zone}`, 'ANY', { ip: clientIp ?? '0.0.0.0', bits: clientIp === null ? 0 : 32 });
    return (records ?? []).filter((r) => r.qtype === 'A' || r.qtype === 'AAAA').map((r) => r.content);
  }

  /** geo: where the clients of each region are sent now (region → regions answered). */
  clientRoutes(name: string): Record<string, string[]> | null {
    const spec = this.config.names[name];
    if (spec === undefined || spec.policy !== 'geo') return null;
    const facts = this.runtime.facts();
    return Object.fromEntries(Object.keys(this.config.regions).map((region) => [region, chooseRegions(spec, facts, region, 0).regions]));
  }

  private count({ name, choice }: Answered): void {
    let byRegion = this.counters.answers.get(name);
    if (byRegion === undefined) this.counters.answers.set(name, (byRegion = new Map()));
    for (const region of choice.regions) byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
    if (choice.panic) this.counters.panicAnswers.set(name, (this.counters.panicAnswers.get(name) ?? 0) + 1);
  }
}
