import type { BackendConfig, FulcrumConfig, ServiceConfig } from './config/types.js';
import type { EjectionReporter } from './health/reported-outliers.js';
import { formatConfigError } from './config/errors.js';
import { loadConfigFile } from './config/load.js';
import { diffConfigs, sameValue } from './config/diff.js';
import { RuntimeOverlay, type OverlayReport } from './config/overlay.js';
import { Gslb } from './gslb/gslb.js';
import { gslbMetrics } from './gslb/view.js';
import { syncDiscovery } from './discovery/service-discovery.js';
import { Drains } from './pool/drain.js';
import { applyDiscoveredSet, applyServiceConfig, retireService } from './pool/membership.js';
import { createListener, needsRebind, type RunningListener } from './listener-factory.js';
import { silentLogger, type Logger } from './observe/logger.js';
import { AccessLog } from './observe/access-log.js';
import { createObservers, type Observers } from './observe/observers.js';
import { renderPrometheus } from './observe/prometheus.js';
import { Service } from './pool/service.js';
import { createStateStore } from './state/create-store.js';
import { MemoryStore } from './state/memory-store.js';
import { builtInAlgorithms, type AlgorithmRegistry } from './balancing/registry.js';
import type { ConfigExtensions } from './config/extensions.js';
import type { CustomMiddlewares } from './http/middleware/custom.js';
import type { MiddlewareFactory } from './http/middleware/custom-api.js';
import { SharedStore } from './state/shared-store.js';
import { StoreSwitch, type StatusStore } from './state/store-switch.js';
import { LOCAL_CELLS, type CounterCells } from './pool/counter-cells.js';

export interface StartOptions {
  logger?: Logger;
  /** algorithms beyond the built-in ones, by the name a service's `algorithm` gives */
  algorithms?: AlgorithmRegistry;
  /** middleware factories for the `custom` kind, by the name it gives */
  middlewares?: ReadonlyMap<string, MiddlewareFactory>;
  /** where backends keep their counters; default: plain cells of this process (src/workers shares them) */
  cells?: CounterCells;
  /** false: build the services but no listeners (the main thread of workers: admin, health checks, logs) */
  serve?: boolean;
  /** false: no active health checks here (a worker thread: the main thread runs them and sends the state) */
  health?: boolean;
  /** the access log to write to instead of log.access's (a worker thread: lines go to the main thread) */
  accessLog?: AccessLog | null;
  /** the store a `state.store: memory` (the default) gets; default: a MemoryStore (a worker: the main thread's, src/workers) */
  memoryStore?: () => StatusStore;
  /** passive health where health checks run elsewhere (a worker): told when a backend failed maxFails times in a row */
  reportEjection?: EjectionReporter;
  /** discovery runs elsewhere (a worker: in the main thread); what it found so far, by service name */
  discovered?: (service: string) => DiscoveredSet | undefined;
}

/** The backends a service's discovery found, and where from (`dns:NAME`). */
export interface DiscoveredSet {
  source: string | undefined;
  backends: BackendConfig[];
}

/** What a reload did, or why it was refused (the running config then keeps serving). */
export type ReloadResult =
  | {
      ok: true;
      durationMs: number;
      listeners: { added: string[]; removed: string[]; updated: string[]; rebound: string[]; unchanged: string[] };
      services: { added: string[]; removed: string[]; updated: string[]; unchanged: string[] };
      /** runtime changes made through the admin API, re-applied on top of the new file (or dropped) */
      runtimeChanges: OverlayReport;
    }
  | { ok: false; errors: string[] };

/**
 * A running balancer: the services built from a config and the listeners in front of
 * them. This is what `fulcrum start` runs and what embedders and tests create.
 */
export class Fulcrum {
  readonly services = new Map<string, Service>();
  private readonly listeners = new Map<string, RunningListener>();
  private readonly addresses = new Map<string, { host: string; port: number }>();
  /** backends taking no new requests, and removed ones finishing theirs */
  readonly drains = new Drains();
  /** runtime changes (admin API), kept across reloads */
  readonly overlay = new RuntimeOverlay();
  /** the config as the file says, before runtime changes */
  fileConfig: FulcrumConfig;
  /** counters for /metrics and the access log, shared by every listener across reloads */
  readonly observers: Observers;
  /** shared state (sticky tables, rate-limit buckets): in memory, or Redis as `state` says (a reload may swap it) */
  readonly stateStore: StoreSwitch;
  /** the GSLB zone answered through PowerDNS's remote backend (docs/gslb.md), when the config has one */
  gslb: Gslb | null = null;
  /** reloads run one at a time */
  private reloading: Promise<unknown> = Promise.resolve();
  /** set when stop() begins, so /readyz answers 503 from the first moment of the drain */
  private stopBegun = false;

  /** every balancer of every service is built from here, so a registered algorithm survives reloads, admin changes and drains */
  private readonly algorithms: AlgorithmRegistry;
  private readonly custom: CustomMiddlewares;
  /** the registered names a config is validated with (reloads included) */
  readonly extensions: ConfigExtensions;
  /** called after a reload took effect or runtime changes were applied (src/workers tells the workers) */
  onChange: (() => void) | null = null;
  /** awaited before /metrics is rendered (src/workers gathers the workers' counters into `observers.stats`) */
  gatherStats: (() => Promise<void>) | null = null;
  /** the worker threads serving the listeners of this config (src/workers), stopped and closed with it */
  servedBy: { stop(graceMs: number, onClosed?: () => void): Promise<void>; close(): Promise<void> } | null = null;
  private readonly cells: CounterCells;
  private readonly serves: boolean;
  private readonly runsHealth: boolean;

  private constructor(
    /** the config in effect: the file's, with the runtime changes on top */
    public config: FulcrumConfig,
    readonly logger: Logger,
    options: StartOptions,
  ) {
    this.fileConfig = config;
    this.algorithms = options.algorithms ?? builtInAlgorithms;
    this.custom = { factories: options.middlewares ?? new Map(), logger };
    this.extensions = { algorithms: this.algorithms.names(), middlewares: [...this.custom.factories.keys()] };
    const accessLog = options.accessLog !== undefined ? options.accessLog : config.log.access ? new AccessLog(config.log.access) : null;
    this.observers = createObservers(accessLog, logger);
    this.cells = options.cells ?? LOCAL_CELLS;
    this.serves = options.serve ?? true;
    this.runsHealth = options.health ?? true;
    this.memoryStore = options.memoryStore ?? (() => new MemoryStore());
    this.stateStore = new StoreSwitch(this.memoryStore());
    this.reportEjection = options.reportEjection ?? null;
    this.discoveredElsewhere = options.discovered ?? null;
  }

  private readonly discoveredElsewhere: ((service: string) => DiscoveredSet | undefined) | null;

  /**
   * Follows the service's discovery: runs it here, or (a worker) takes what the main thread's found;
   * settles after the first answer of a (re)started one.
   */
  private discover(service: Service): Promise<void> {
    if (this.discoveredElsewhere === null) return syncDiscovery(service, this.drains, this.logger);
    const found = this.discoveredElsewhere(service.name);
    if (found !== undefined) applyDiscoveredSet(service, found, this.drains);
    return Promise.resolve();
  }

  private readonly memoryStore: () => StatusStore;
  private readonly reportEjection: EjectionReporter | null;

  /** Reopen the log files by name (logrotate's move-then-signal habit). */
  reopenLogs(): void {
    this.observers.accessLog?.reopen();
  }

  /** Lines written elsewhere (the workers') and not yet here: set by the worker pool. */
  flushAccessLog: (() => Promise<void>) | null = null;

  /** The Prometheus text exposition of this balancer (and of the process). */
  async metrics(): Promise<string> {
    if (this.gatherStats !== null) await this.gatherStats();
    const text = await renderPrometheus(this.observers.stats, this.services.values(), this.stateStore.status());
    return this.gslb === null ? text : gslbMetrics(this.gslb) + text;
  }

  static async start(config: FulcrumConfig, options: StartOptions = {}): Promise<Fulcrum> {
    const fulcrum = new Fulcrum(config, options.logger ?? silentLogger, options);
    await fulcrum.build();
    return fulcrum;
  }

  /** The address a listener is bound to (the real port when the config said 0). */
  address(listenerName: string): { host: string; port: number } {
    const address = this.addresses.get(listenerName);
    if (!address) throw new Error(`no listener named '${listenerName}'`);
    return address;
  }

  /** Where a listener served by others (worker threads) is bound. */
  advertise(listenerName: string, address: { host: string; port: number }): void {
    this.addresses.set(listenerName, address);
  }

  url(listenerName: string): string {
    const { host, port } = this.address(listenerName);
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** The names of the running listeners. */
  listenerNames(): string[] {
    // with workers the listeners are theirs: the main thread knows them by the addresses they advertise
    return this.serves ? [...this.listeners.keys()] : [...this.addresses.keys()];
  }

  /**
   * Swap to a new (validated) config: build beside the running one, bind new listeners, then
   * swap in one synchronous step. Listeners with the same protocol and address keep their
   * socket; backends with the same address keep their counters and health; requests in flight
   * finish where they started. Runtime changes are re-applied on top. If anything fails before
   * the swap, nothing changes and the errors are returned.
   */
  reload(fileConfig: FulcrumConfig): Promise<ReloadResult> {
    const run = this.reloading.then(() => this.reloadNow(fileConfig));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /** Read, validate and reload a config file (by default the one the running config came from). */
  async reloadFile(path: string = this.fileConfig.source): Promise<ReloadResult> {
    const loaded = await loadConfigFile(path, this.extensions);
    if (!loaded.ok) return { ok: false, errors: loaded.errors.map(formatConfigError) };
    return this.reload(loaded.config);
  }

  /** Re-apply the runtime changes to the running services (after the admin API changed one). */
  applyRuntimeChanges(): OverlayReport {
    const applied = this.overlay.apply(this.fileConfig);
    this.config = applied.config;
    for (const [name, service] of this.services) {
      const config = applied.config.services.get(name);
      if (config !== undefined && config !== service.config) applyServiceConfig(service, config, this.drains, applied.drained.get(name));
    }
    this.onChange?.();
    return applied;
  }

  private async reloadNow(fileConfig: FulcrumConfig): Promise<ReloadResult> {
    const started = performance.now();
    const applied = this.overlay.apply(fileConfig);
    const next = applied.config;
    const diff = diffConfigs(this.config, next);
    const { logger } = this;
    const store = sameValue(this.config.state, next.state) ? null : await this.openStateStore(next);

    // 1. build beside the running graph: new services, new listener states, new sockets
    const services = new Map(this.services);
    for (const name of diff.services.removed) services.delete(name);
    const addedServices = diff.services.added.map((name) => this.newService(next.services.get(name)!));
    for (const service of addedServices) services.set(service.name, service);
    // a new service's discovery answers before the swap, so its routes never see it empty
    await Promise.all(addedServices.map((service) => this.discover(service)));
    const swaps: Array<() => void> = [];
    /** listeners whose server the new config cannot reuse (see needsRebind): built now, bound after the swap */
    const rebinds = new Map<string, RunningListener>();
    const updated: string[] = [];
    const unchanged: string[] = [];
    const bound = new Map<string, { listener: RunningListener; address: { host: string; port: number } }>();
    try {
      for (const { from, to, changed } of this.serves ? diff.listeners.kept : []) {
        const listener = this.listeners.get(from.name)!;
        if (!changed && from.name === to.name) {
          unchanged.push(to.name);
          continue;
        }
        if (needsRebind(from, to)) {
          // port 0 means "any port": the rebound listener keeps the one it has
          const config = to.address.port === 0 ? { ...to, address: { ...to.address, port: this.addresses.get(from.name)!.port } } : to;
          rebinds.set(to.name, createListener(config, services, logger, this.observers, this.stateStore, this.custom));
          continue;
        }
        swaps.push(listener.prepareUpdate(to, services));
        updated.push(to.name);
      }
      for (const config of this.serves ? diff.listeners.added : []) {
        const listener = createListener(config, services, logger, this.observers, this.stateStore, this.custom);
        const address = await listener.listen();
        bound.set(config.name, { listener, address: { host: address.address, port: address.port } });
      }
    } catch (error) {
      await Promise.all([...bound.values()].map((b) => b.listener.close()));
      await Promise.all([...rebinds.values()].map((listener) => listener.close()));
      await store?.close();
      for (const service of addedServices) service.stopDiscovery();
      return { ok: false, errors: [error instanceof Error ? error.message : String(error)] };
    }

    // 2. the swap: synchronous, so every request sees either the old graph or the new one
    const previousStore = store === null ? null : this.stateStore.use(store);
    for (const name of diff.services.changed) {
      const service = this.services.get(name)!;
      applyServiceConfig(service, next.services.get(name)!, this.drains, applied.drained.get(name));
      void this.discover(service);
    }
    const retired = diff.services.removed.map((name) => this.services.get(name)!);
    for (const service of retired) this.services.delete(service.name);
    for (const service of addedServices) {
      this.services.set(service.name, service);
      applyServiceConfig(service, service.config, this.drains, applied.drained.get(service.name));
      if (this.runsHealth) service.startHealth(logger);
      void this.discover(service);
    }
    for (const swap of swaps) swap();
    const leaving: RunningListener[] = [];
    for (const { from, to } of this.serves ? diff.listeners.kept : []) {
      if (from.name === to.name) continue;
      const listener = this.listeners.get(from.name)!;
      this.listeners.delete(from.name);
      this.listeners.set(to.name, listener);
      this.addresses.set(to.name, this.addresses.get(from.name)!);
      this.addresses.delete(from.name);
    }
    for (const config of this.serves ? diff.listeners.removed : []) {
      leaving.push(this.listeners.get(config.name)!);
      this.listeners.delete(config.name);
      this.addresses.delete(config.name);
    }
    for (const [name, { listener, address }] of bound) {
      this.listeners.set(name, listener);
      this.addresses.set(name, address);
      logger.info({ listener: name, address: `${address.host}:${address.port}` }, 'listening');
    }
    this.fileConfig = fileConfig;
    this.config = next;
    for (const service of retired) retireService(service, this.drains);
    void previousStore?.close();

    // 3. after the swap: the gslb zone is swapped on its own; old listeners finish their requests; listeners that cannot swap are rebound
    await this.reloadGslb(next);
    const grace = this.drainGrace();
    for (const listener of leaving) void (listener.shutdown?.(grace) ?? listener.close());
    for (const [name, listener] of rebinds) await this.rebind(name, listener, grace);
    this.onChange?.();

    return {
      ok: true,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      listeners: { added: [...bound.keys()], removed: diff.listeners.removed.map((l) => l.name), updated, rebound: [...rebinds.keys()], unchanged },
      services: { added: diff.services.added, removed: diff.services.removed, updated: diff.services.changed, unchanged: diff.services.unchanged },
      runtimeChanges: { kept: applied.kept, conflicts: applied.conflicts, settled: applied.settled },
    };
  }

  /**
   * A listener whose server the new config cannot reuse: the running one stops accepting and
   * finishes its connections (by `graceMs`), and `listener` is bound to the address right after
   * (connections arriving in between are refused).
   */
  private async rebind(name: string, listener: RunningListener, graceMs: number): Promise<void> {
    const running = this.listeners.get(name)!;
    void (running.shutdown?.(graceMs) ?? running.close());
    try {
      const address = await listener.listen();
      this.listeners.set(name, listener);
      this.addresses.set(name, { host: address.address, port: address.port });
      this.logger.warn({ listener: name }, 'listener rebound: its TLS, PROXY protocol or HTTP/2 setting changed, which its server cannot take in place');
    } catch (error) {
      void listener.close();
      this.listeners.delete(name);
      this.addresses.delete(name);
      this.logger.error({ listener: name, err: error instanceof Error ? error.message : String(error) }, 'listener could not be bound again; it is stopped');
    }
  }

  /** A gslb section added, changed or removed (a failure is logged: DNS answers are not worth refusing the rest of a reload). */
  private async reloadGslb(next: FulcrumConfig): Promise<void> {
    if (!this.runsHealth) return;
    try {
      if (next.gslb === undefined) {
        await this.gslb?.close();
        this.gslb = null;
      } else if (this.gslb === null) {
        const gslb = new Gslb(next.gslb, this.logger);
        await gslb.start();
        this.gslb = gslb;
      } else if (JSON.stringify(this.gslb.config) !== JSON.stringify(next.gslb)) {
        await this.gslb.update(next.gslb);
      }
    } catch (error) {
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'gslb not reloaded');
    }
  }

  /** Whether a graceful stop has begun (it never ends: a stopped Fulcrum is not started again). */
  get stopping(): boolean {
    return this.stopBegun;
  }

  /** Report the stop (/readyz 503) before stop() itself, while the listeners still accept. */
  markStopping(): void {
    this.stopBegun = true;
  }

  /** How long a stop or a retired listener waits for connections in flight: the longest service `drainTimeout`. */
  drainGrace(): number {
    return Math.max(0, ...[...this.config.services.values()].map((s) => s.drainTimeout));
  }

  /**
   * Stop gracefully: every listener stops accepting at once, idle connections close, requests in
   * flight get their response, tunnels and tcp sessions go on; whatever is still open at
   * `graceMs` is closed. Then everything is closed as by close(). `onClosed` is called once no
   * listener accepts any more (with workers: once every worker has said so).
   */
  async stop(graceMs: number = this.drainGrace(), onClosed?: () => void): Promise<void> {
    this.stopBegun = true;
    const listeners = [...this.listeners.values()];
    this.listeners.clear();
    const drained = Promise.all(listeners.map((listener) => listener.shutdown?.(graceMs) ?? listener.close()));
    if (this.servedBy === null) onClosed?.();
    await drained;
    await this.servedBy?.stop(graceMs, onClosed);
    await this.close();
  }

  /**
   * Close everything: listeners and their client connections, then every upstream connection
   * (HTTP/1.1 sockets, HTTP/2 sessions) of every service, and of the backends still draining,
   * those of retired services included.
   */
  async close(): Promise<void> {
    this.observers.accessLog?.flush();
    for (const service of this.services.values()) {
      service.stopHealth();
      service.stopDiscovery();
    }
    await Promise.all([...this.listeners.values()].map((listener) => listener.close()));
    await this.gslb?.close();
    await this.servedBy?.close();
    this.drains.closeAll();
    for (const service of this.services.values()) service.destroyConnections();
    await this.stateStore.close();
  }

  private newService(config: ServiceConfig): Service {
    const service = new Service(config, undefined, this.stateStore, this.algorithms, this.cells);
    if (this.reportEjection !== null) service.reportEjectionsTo(this.reportEjection);
    return service;
  }

  /** The store `config.state` asks for, once it is connected (or has had a second to). */
  private async openStateStore(config: FulcrumConfig): Promise<StatusStore> {
    const store = config.state === undefined || config.state.store === 'memory' ? this.memoryStore() : createStateStore(config.state, this.logger);
    if (store instanceof SharedStore) await store.whenUp(1000);
    return store;
  }

  private async build(): Promise<void> {
    const { config, logger } = this;
    if (config.state !== undefined && config.state.store !== 'memory') void this.stateStore.use(await this.openStateStore(config)).close();
    for (const serviceConfig of config.services.values()) {
      this.services.set(serviceConfig.name, this.newService(serviceConfig));
    }
    // first answers before health starts: backends found at start are the pool, they do not ramp up;
    // a name that does not resolve yet is not fatal: its service starts empty and fills when it does
    await Promise.all([...this.services.values()].map((service) => this.discover(service)));
    if (this.runsHealth) for (const service of this.services.values()) service.startHealth(logger);
    try {
      for (const listenerConfig of this.serves ? config.listeners : []) {
        const listener = createListener(listenerConfig, this.services, logger, this.observers, this.stateStore, this.custom);
        const bound = await listener.listen();
        this.listeners.set(listenerConfig.name, listener);
        this.addresses.set(listenerConfig.name, { host: bound.address, port: bound.port });
        logger.info({ listener: listenerConfig.name, address: `${bound.address}:${bound.port}` }, 'listening');
      }
      // the gslb zone checks regions like backends: where health checks run (the main thread with workers)
      if (config.gslb !== undefined && this.runsHealth) {
        this.gslb = new Gslb(config.gslb, logger);
        await this.gslb.start();
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }
}
