// The main thread of `workers: N`: a Fulcrum without listeners (admin API, health checks, access
// log, the config and its runtime changes) and N worker threads serving the listeners with the
// same services, their counters in shared memory. docs/scaling.md
import type { FulcrumConfig } from '../config/types.js';
import { Fulcrum } from '../fulcrum.js';
import { silentLogger, type Logger } from '../observe/logger.js';
import { DiscoveredTracker, StateTracker } from './backend-state.js';
import { chooseListenMode, type ListenMode, udpReusePortWorks } from './listen-mode.js';
import { ListenerSockets } from './listener-sockets.js';
import type { FromWorker, ToWorker, WorkerData } from './messages.js';
import { SharedCells, slotKey } from './shared-cells.js';
import { retired, sumInto, type StatsSnapshot } from './stats-snapshot.js';
import type { Backend } from '../pool/backend.js';
import { spawnProcess, spawnThread, type WorkerHandle } from './channel.js';
import { MainStoreHost } from './main-store-host.js';

export interface WorkerOptions {
  workers: number;
  logger?: Logger;
  logLevel?: string;
  logFormat?: 'pretty' | 'json';
  /** default: reuseport where the runtime has it (FULCRUM_WORKERS_LISTEN overrides) */
  listenMode?: ListenMode;
}

/** How often health/drain state is sent to the workers, and their counters gathered for the dashboard. */
const STATE_EVERY_MS = 100;
const STATS_EVERY_MS = 1000;
/** A worker that does not answer a stats request in this long is left out of that sum. */
const STATS_TIMEOUT_MS = 1000;

interface Running {
  index: number;
  thread: WorkerHandle;
  /** its newest counters */
  snapshot: StatsSnapshot | null;
  /** config seq → resolve, until it is applied */
  pending: Map<number, (error: string | undefined) => void>;
  stopping: boolean;
  /** called once, when it says its listeners no longer accept (or it exits) */
  draining?: (() => void) | undefined;
  /** settles when it has exited */
  exited: Promise<void>;
}

/** Starts the main thread's Fulcrum and the workers; resolves once every worker serves the config. */
export async function startWorkers(config: FulcrumConfig, options: WorkerOptions): Promise<Fulcrum> {
  const logger = options.logger ?? silentLogger;
  const mode = options.listenMode ?? (await chooseListenMode());
  const cells = new SharedCells(options.workers);
  cells.onFull = () => logger.warn({ capacity: cells.capacity }, 'shared counters are full: backends added from now on count per worker');
  const fulcrum = await Fulcrum.start(config, { logger, cells, serve: false });
  const udpInEvery = mode === 'reuseport' && (await udpReusePortWorks());
  const pool = new WorkerPool(fulcrum, cells, new ListenerSockets(mode, udpInEvery), options, logger);
  fulcrum.servedBy = pool;
  fulcrum.gatherStats = () => pool.gather();
  fulcrum.flushAccessLog = () => pool.flushAccess();
  fulcrum.onChange = () => void pool.push();
  try {
    await pool.start();
  } catch (error) {
    await fulcrum.close();
    throw error;
  }
  logger.info({ workers: options.workers, listen: mode }, 'workers serving');
  return fulcrum;
}

export class WorkerPool {
  private readonly running: Array<Running | null>;
  /** counters of workers that exited: kept in the sums */
  private readonly gone: StatsSnapshot[] = [];
  private readonly strays = new Map<string, Backend>();
  private readonly states = new StateTracker();
  private readonly discovered = new DiscoveredTracker();
  private seq = 0;
  private statsId = 0;
  private readonly statsWaiters = new Map<number, { left: number; done: () => void }>();
  private stopped = false;
  private pushing: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  /** the workers' state when the config's store is memory (rate limits, connections per client, sticky) */
  private readonly store: MainStoreHost;

  constructor(
    private readonly fulcrum: Fulcrum,
    private readonly cells: SharedCells,
    private readonly sockets: ListenerSockets,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
  ) {
    this.running = new Array<Running | null>(options.workers).fill(null);
    this.store = new MainStoreHost(options.workers);
  }

  async start(): Promise<void> {
    await this.bindSockets();
    await Promise.all(this.running.map((_, index) => this.spawn(index)));
    this.timers.push(
      setInterval(() => this.sendStates(), STATE_EVERY_MS),
      setInterval(() => {
        void this.gather();
        this.collectSlots();
      }, STATS_EVERY_MS),
    );
    for (const timer of this.timers) timer.unref();
  }

  /** The number of worker threads. */
  get size(): number {
    return this.running.length;
  }

  /** The running config (after a reload or an admin change) to every worker; resolves once all applied it. */
  push(): Promise<void> {
    const run = this.pushing.then(async () => {
      if (this.stopped) return;
      await this.bindSockets();
      // a worker that refuses (a listener it cannot bind) is logged by sendConfig and keeps its previous config
      await Promise.all(this.running.map((running, index) => (running === null ? undefined : this.sendConfig(running, index).catch(() => undefined))));
    });
    this.pushing = run.catch(() => undefined);
    return run;
  }

  /**
   * Every worker sends the access-log lines it holds (batched) now; resolves once they are written
   * by the main thread (or after STATS_TIMEOUT_MS): a log reopen after it puts them in the old file.
   */
  async flushAccess(): Promise<void> {
    await this.askLive('flush');
  }

  /** Ask every live worker and wait for all their answers (or STATS_TIMEOUT_MS). */
  private askLive(type: 'flush' | 'stats'): Promise<void> {
    const live = this.running.filter((r): r is Running => r !== null && !r.stopping);
    if (live.length === 0) return Promise.resolve();
    const id = ++this.statsId;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.statsWaiters.delete(id);
        resolve();
      }, STATS_TIMEOUT_MS);
      this.statsWaiters.set(id, {
        left: live.length,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      for (const running of live) running.thread.post({ type, id });
    });
  }

  /** Sum the workers' counters into the main thread's registry (what /metrics and the dashboard read). */
  async gather(): Promise<void> {
    await this.askLive('stats');
    const snapshots = [...this.gone, ...this.running.flatMap((r) => (r?.snapshot ? [r.snapshot] : []))];
    sumInto(this.fulcrum.observers.stats, snapshots, this.fulcrum.services, this.strays);
  }

  /**
   * Every worker stops gracefully (fulcrum.stop); `onClosed` once none accepts any more (each has
   * said so, or exited); resolves when they have exited.
   */
  async stop(graceMs: number, onClosed?: () => void): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    const live = this.running.filter((r): r is Running => r !== null);
    let left = live.length;
    const closedOne = (): void => {
      if (--left === 0) onClosed?.();
    };
    if (left === 0) onClosed?.();
    await Promise.all(
      live.map((running) => {
        running.stopping = true;
        running.draining = closedOne;
        void running.exited.then(() => {
          const done = running.draining;
          running.draining = undefined;
          done?.();
        });
        running.thread.post({ type: 'stop', graceMs });
        const cut = setTimeout(() => running.thread.kill(), graceMs + 5000);
        return running.exited.finally(() => clearTimeout(cut));
      }),
    );
    this.store.close(); // the workers answered their last requests with it
  }

  /** Ends every worker now. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(
      this.running.map((running) => {
        if (running === null) return undefined;
        running.stopping = true;
        running.thread.kill();
        return running.exited;
      }),
    );
    this.store.close();
  }

  /** Client connections each running worker has accepted (as of the last gather()): how evenly they spread. */
  acceptedByWorker(): number[] {
    return this.running.map((r) => r?.snapshot?.listeners.reduce((n, l) => n + l.accepted, 0) ?? 0);
  }

  /** Worker `index`, for tests (kill() one to see it restarted). */
  worker(index: number): WorkerHandle | null {
    return this.running[index]?.thread ?? null;
  }

  get mode(): ListenMode {
    return this.sockets.mode;
  }

  private async bindSockets(): Promise<void> {
    await this.sockets.update(this.fulcrum.config);
    for (const listener of this.fulcrum.config.listeners) {
      const address = this.sockets.address(listener.name);
      if (address !== undefined) this.fulcrum.advertise(listener.name, address);
    }
  }

  private spawn(index: number): Promise<void> {
    const threads = this.sockets.mode === 'reuseport';
    const data: WorkerData = {
      index,
      cells: threads ? this.cells.buffers : null,
      capacity: this.cells.capacity,
      logLevel: this.options.logLevel ?? this.fulcrum.config.log.level,
      logFormat: this.options.logFormat ?? this.fulcrum.config.log.format,
    };
    const thread = threads ? spawnThread(data) : spawnProcess(data);
    const exited = new Promise<void>((resolve) => thread.onExit(() => resolve()));
    const running: Running = { index, thread, snapshot: null, pending: new Map(), stopping: false, exited };
    this.running[index] = running;
    thread.onMessage((message: FromWorker) => this.onMessage(running, message));
    thread.onError((error) => this.logger.error({ worker: index, err: error }, 'worker failed'));
    thread.onExit((code) => this.onExit(index, running, code));
    return this.sendConfig(running, index);
  }

  private sendConfig(running: Running, index: number): Promise<void> {
    const seq = ++this.seq;
    const config = this.sockets.forWorker(this.fulcrum.config, index);
    const states = this.states.all(this.fulcrum.services.values());
    const message: ToWorker = { type: 'config', seq, config, table: this.cells.table, states, discovered: this.discovered.all(this.fulcrum.services.values()) };
    return new Promise<void>((resolve, reject) => {
      running.pending.set(seq, (error) => {
        if (error === undefined) resolve();
        else {
          this.logger.error({ worker: index, error }, 'worker could not apply the configuration');
          reject(new Error(`worker ${index}: ${error}`));
        }
      });
      running.thread.post(message);
    });
  }

  private onMessage(running: Running, message: FromWorker): void {
    switch (message.type) {
      case 'applied': {
        const done = running.pending.get(message.seq);
        running.pending.delete(message.seq);
        done?.(message.error);
        return;
      }
      case 'stats': {
        running.snapshot = message.snapshot;
        const waiter = this.statsWaiters.get(message.id);
        if (waiter !== undefined && --waiter.left === 0) {
          this.statsWaiters.delete(message.id);
          waiter.done();
        }
        return;
      }
      case 'flushed': {
        const waiter = this.statsWaiters.get(message.id);
        if (waiter !== undefined && --waiter.left === 0) {
          this.statsWaiters.delete(message.id);
          waiter.done();
        }
        return;
      }
      case 'access':
        this.fulcrum.observers.accessLog?.writeLines(message.text);
        return;
      case 'draining': {
        const done = running.draining;
        running.draining = undefined;
        done?.();
        return;
      }
      case 'store':
        running.thread.post({ type: 'store', answers: this.store.answer(running.index, message.calls) });
        return;
      case 'eject':
        this.eject(message.service, message.backend, message.reason);
        return;
      case 'ready':
      case 'stopped':
        return;
    }
  }

  private onExit(index: number, running: Running, code: number): void {
    if (this.running[index] !== running) return;
    this.cells.release(index);
    this.store.forget(index);
    if (running.snapshot !== null) this.gone.push(retired(running.snapshot));
    for (const done of running.pending.values()) done(`exited with code ${code}`);
    if (running.stopping || this.stopped) return;
    this.running[index] = null;
    this.logger.error({ worker: index, code }, 'worker exited; starting a new one');
    this.spawn(index).catch((error: unknown) => this.logger.error({ worker: index, err: error }, 'worker could not be restarted'));
  }

  /** A worker saw maxFails failures in a row: the main thread's detector decides, and every worker hears at once. */
  private eject(serviceName: string, backendId: string, reason: string): void {
    const service = this.fulcrum.services.get(serviceName);
    const backend = service?.backends.find((b) => b.id === backendId);
    const detector = service?.health.outliers;
    if (backend === undefined || detector === null || detector === undefined) return;
    detector.reported(backend, reason);
    this.sendStates();
  }

  /** Counter slots of backends gone for good go back to the free list (discovery churn would fill the buffer otherwise). */
  private collectSlots(): void {
    const live = new Set<string>();
    for (const service of this.fulcrum.services.values()) for (const b of service.backends) live.add(slotKey(service.name, b.id));
    for (const drain of this.fulcrum.drains.all()) live.add(slotKey(drain.service, drain.backend.id));
    this.cells.collect(live, Date.now());
  }

  private sendStates(): void {
    const discovered = this.discovered.changes(this.fulcrum.services.values());
    const states = this.states.changes(this.fulcrum.services.values());
    if (states.length === 0 && discovered === null) return;
    const message: ToWorker = discovered === null ? { type: 'states', states } : { type: 'states', states, discovered, table: this.cells.table };
    for (const running of this.running) if (running !== null && !running.stopping) running.thread.post(message);
  }
}
