import type { BackendConfig, ServiceConfig } from '../config/types.js';
import type { Balancer, BalancerOptions, Outcome } from '../balancing/balancer.js';
import { builtInAlgorithms, type AlgorithmRegistry } from '../balancing/registry.js';
import { compileHashKey, type HashKeyFunction } from '../balancing/hash-key.js';
import { Backend } from './backend.js';
import { AvailabilityEpoch } from './availability-epoch.js';
import { LOCAL_CELLS, type CounterCells } from './counter-cells.js';
import { formatHostPort } from '../config/net.js';
import { ServiceHealth } from '../health/service-health.js';
import { type EjectionReporter, type OutcomeRecorder, ReportedOutliers } from '../health/reported-outliers.js';
import type { Logger } from '../observe/logger.js';
import { sameValue } from '../config/diff.js';
import { type BreakerStateName, CircuitBreaker } from './circuit-breaker.js';
import type { BreakerCell } from './breaker-cells.js';
import { createSticky, type StickyPolicy } from './sticky.js';
import { MemoryStore } from '../state/memory-store.js';
import type { StateStore } from '../state/state-store.js';

/** What a Service (and /metrics) sees of its discovery (src/discovery). */
export interface DiscoveryHandle {
  /** `dns:NAME` */
  readonly source: string;
  /** the backends it gives now */
  readonly records: readonly unknown[];
  /** resolutions so far by result (ok, empty, nxdomain, servfail, refused, timeout, error) */
  readonly resolutions: ReadonlyMap<string, number>;
  /** the result of the last resolution (null before the first) */
  readonly lastResult: string | null;
  /** when the last good answer came (ms epoch) */
  readonly lastGoodAt: number;
  stop(): void;
}

/**
 * A named pool of backends and the algorithm that chooses among them. Membership
 * changes rebuild the balancer; Backend objects whose address is unchanged are kept,
 * with their counters and health.
 */
export class Service {
  readonly name: string;
  config: ServiceConfig;
  backends: Backend[] = [];
  balancer!: Balancer;
  /** computes a request's hash key, for algorithms that use one */
  hashKey!: HashKeyFunction;
  /** the algorithm weighs backends by the load they report in X-Backend-Load */
  readsLoadReports = false;
  /** active checks, outlier detection, slow start and panic mode (src/health) */
  readonly health: ServiceHealth;
  /** passive health, fed by the data path after every request; null when not configured */
  outliers: OutcomeRecorder | null = null;
  /** where passive-health failures go when the detector runs elsewhere (a worker's: the main thread) */
  private ejectionReporter: EjectionReporter | null = null;
  private reported: ReportedOutliers | null = null;
  /** sticky sessions (cookie or client IP); null when not configured */
  sticky: StickyPolicy | null = null;
  /** limits and the error-ratio breaker; null when not configured */
  breaker: CircuitBreaker | null = null;
  /** backends found by discovery (src/discovery), after the config's; an address the config has stays the config's */
  discovered: readonly BackendConfig[] = [];
  /** `dns:NAME`: the source of `discovered` */
  discoverySource: string | undefined = undefined;
  /** the discovery that keeps `discovered` fresh; null without one */
  discovery: DiscoveryHandle | null = null;
  /** the addresses drained through the admin API when the config was last applied (a discovery change applies it again) */
  adminDrained: ReadonlySet<string> = new Set();
  /** moved by any availability change of this service's backends: its balancers re-check then */
  readonly availability = new AvailabilityEpoch();
  private readonly random: () => number;
  /** where sticky tables live: the Fulcrum's store (a private memory store for a bare Service) */
  private stateStore: StateStore | null;

  constructor(
    config: ServiceConfig,
    random: () => number = Math.random,
    stateStore: StateStore | null = null,
    /** where `algorithm` names are looked up: the Fulcrum's (built-in and registered) */
    private readonly algorithms: AlgorithmRegistry = builtInAlgorithms,
    /** where backends keep their counters: shared memory when worker threads serve them */
    private readonly cells: CounterCells = LOCAL_CELLS,
  ) {
    this.name = config.name;
    this.config = config;
    this.random = random;
    this.stateStore = stateStore;
    this.health = new ServiceHealth(config.name);
    this.applyConfig(config);
  }

  /** Starts health checking (idempotent); logs one line per transition (health and circuit breaker). */
  startHealth(logger: Logger): void {
    this.logger = logger;
    this.health.start(logger);
    this.outliers = this.passiveHealth();
  }

  /** Passive health is decided elsewhere (a worker): failures in a row are counted here and reported to `reporter`. */
  reportEjectionsTo(reporter: EjectionReporter): void {
    this.ejectionReporter = reporter;
    this.outliers = this.passiveHealth();
  }

  private passiveHealth(): OutcomeRecorder | null {
    if (this.health.outliers !== null) return this.health.outliers;
    const passive = this.config.passiveHealth;
    if (passive === undefined || this.ejectionReporter === null) return (this.reported = null);
    if (this.reported === null) this.reported = new ReportedOutliers(this.name, passive, this.ejectionReporter);
    else this.reported.config = passive;
    return this.reported;
  }

  /** Stops health timers and probes (idempotent); backends keep their health state. */
  stopHealth(): void {
    this.health.stop();
    this.outliers = this.passiveHealth();
  }

  /** Stops the discovery (idempotent); the backends it found stay until the config is applied without them. */
  stopDiscovery(): void {
    this.discovery?.stop();
    this.discovery = null;
  }

  /** Adopt a new config for this service, keeping the Backend objects of unchanged addresses. */
  applyConfig(config: ServiceConfig): void {
    const previous = new Map(this.backends.map((b) => [b.id, b]));
    const next: Backend[] = [];
    const ids = new Set<string>();
    const discovered = this.discovered.map((b) => ({ config: b, source: this.discoverySource }));
    for (const { config: backendConfig, source } of [...config.backends.map((b) => ({ config: b, source: undefined })), ...discovered]) {
      const id = formatHostPort(backendConfig.address);
      if (ids.has(id)) continue;
      ids.add(id);
      const kept = previous.get(id);
      if (kept) {
        kept.source = source;
        kept.weight = backendConfig.weight;
        kept.name = backendConfig.name;
        kept.maxConnections = backendConfig.maxConnections;
        kept.connections?.applyKeepAlive(config.keepAlive);
        next.push(kept);
      } else {
        const backend = new Backend(backendConfig, this.availability, this.cells.cellFor(config.name, formatHostPort(backendConfig.address)));
        backend.source = source;
        next.push(backend);
      }
    }
    this.config = config;
    this.backends = next;
    this.hashKey = compileHashKey(config.hashKey);
    this.readsLoadReports = config.algorithm === 'resource';
    this.health.apply(config, next);
    this.outliers = this.passiveHealth();
    this.applySessionFeatures(config, next);
    this.rebuildBalancer();
  }

  /**
   * Sticky sessions and the circuit breaker: rebuilt when their config changes, else kept with their
   * state. A rebuilt breaker keeps the service's cells (shared with the other workers'), so its state
   * and the attempts in flight carry over.
   */
  private applySessionFeatures(config: ServiceConfig, backends: Backend[]): void {
    const previous = this.breaker;
    if (config.circuitBreaker === undefined) this.breaker = null;
    else if (previous === null || !sameValue(previous.config, config.circuitBreaker)) {
      const breaker = new CircuitBreaker(config.circuitBreaker, undefined, (this.breakerCell ??= this.cells.breakerCellFor(config.name)));
      if (previous !== null) breaker.continueCounts(previous);
      breaker.onTransition = this.onBreakerTransition;
      this.breaker = breaker;
    }
    if (config.sticky === undefined) this.sticky = null;
    else {
      if (this.sticky === null || this.stickyConfig === undefined || !sameValue(this.stickyConfig, config.sticky)) {
        this.sticky = createSticky(config.name, config.sticky, (this.stateStore ??= new MemoryStore()));
      }
      this.sticky.setBackends(backends);
    }
    this.stickyConfig = config.sticky;
  }
  private stickyConfig: ServiceConfig['sticky'];
  private breakerCell: BreakerCell | null = null;
  /** where breaker transitions are logged (set by startHealth) */
  private logger: Logger | null = null;

  private readonly onBreakerTransition = (from: BreakerStateName, to: BreakerStateName, why: string): void => {
    const fields = { serviceName: this.name, from, to, reason: why };
    if (to === 'open') this.logger?.warn(fields, `circuit breaker ${from} → open`);
    else this.logger?.info(fields, `circuit breaker ${from} → ${to}`);
  };

  /**
   * A request (L7) or connection (L4) starts on `backend`: the counters (`active`, `inflight`,
   * `total`) go up first, then the balancer hears of it (load-aware algorithms re-read them).
   */
  startOn(backend: Backend): void {
    backend.begin();
    this.balancer.onStart?.(backend);
  }

  /** startOn, unless another worker filled the backend's `maxConnections` since it was picked: then false. */
  tryStartOn(backend: Backend): boolean {
    if (!backend.tryBegin()) return false;
    this.balancer.onStart?.(backend);
    return true;
  }

  /**
   * It ended: counters down, then the balancer and passive health learn the outcome
   * (`status` 0 when no response was received).
   */
  endOn(backend: Backend, outcome: Outcome, latencyMs: number, status: number): void {
    backend.finish();
    this.balancer.onEnd?.(backend, outcome, latencyMs);
    const outliers = this.outliers;
    if (outliers !== null) outliers.record(backend, outcome, status);
  }

  /** Upstream connections open to the backends, idle or in use, whatever their protocol. */
  openConnections(): number {
    let open = 0;
    for (const backend of this.backends) {
      const connections = backend.connections;
      if (connections !== null) open += connections.openCount;
    }
    return open;
  }

  /** Close every connection to the backends now (the balancer is stopping). */
  destroyConnections(): void {
    for (const backend of this.backends) backend.connections?.destroyAll();
  }

  rebuildBalancer(): void {
    const options: BalancerOptions = {
      choices: this.config.choices,
      hashBalanceFactor: this.config.hashBalanceFactor,
      random: this.random,
    };
    this.balancer = this.algorithms.factory(this.config.algorithm)(this.backends, options);
  }
}
