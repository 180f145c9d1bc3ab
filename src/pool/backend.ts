import { formatHostPort } from '../config/net.js';
import type { BackendConfig } from '../config/types.js';
import { UNOWNED_EPOCH, type AvailabilityEpoch } from './availability-epoch.js';
import type { BackendConnections } from './backend-connections.js';
import { ACTIVE, INFLIGHT, LOCAL_CELLS, TOTAL, TOTAL_HIGH, type CounterCell } from './counter-cells.js';

/** The availability epoch of backends created outside a Service (a Service's backends share its own). */
export function backendAvailabilityEpoch(): number {
  return UNOWNED_EPOCH.value;
}

/**
 * One server behind a service, with its live state. Backend objects outlive config
 * reloads and balancer rebuilds when their address is unchanged, so every counter
 * that must survive (connections, latency averages, load reports) lives here.
 */
export class Backend {
  /** "host:port": unique inside a service */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** the config's `name` (unique inside a service), or undefined: then it is known by `id` alone; a reload may change it */
  name: string | undefined;
  /** where it came from when not the config or the admin API: `dns:NAME` for a backend found by discovery */
  source: string | undefined = undefined;
  /** moved by every change of availability below; shared by the backends of one Service */
  readonly availabilityEpoch: AvailabilityEpoch;
  /** configured weight; 0 means drain */
  get weight(): number {
    return this._weight;
  }
  set weight(value: number) {
    if (value !== this._weight) this.availabilityEpoch.value++;
    this._weight = value;
  }
  private _weight = 0;
  /** 0 = unlimited */
  maxConnections: number;

  // --- state written by health checks and operators ---
  get healthy(): boolean {
    return this._healthy;
  }
  set healthy(value: boolean) {
    if (value !== this._healthy) this.availabilityEpoch.value++;
    this._healthy = value;
  }
  private _healthy = true;
  get draining(): boolean {
    return this._draining;
  }
  set draining(value: boolean) {
    if (value !== this._draining) this.availabilityEpoch.value++;
    this._draining = value;
  }
  private _draining = false;

  // --- state written by src/health (active checks, outlier detection, slow start, panic) ---
  /** what the health checks know: 'unknown' until the first result (then treated as initialState says) */
  healthStatus: 'unknown' | 'healthy' | 'unhealthy' = 'unknown';
  /** why the last transition happened (a probe's error, "3 consecutive connect failures", ...) */
  healthReason = '';
  /** ms epoch of the last health transition (or of creation) */
  healthSince = Date.now();
  /** taken out of rotation by outlier detection until `ejectedUntil` (ms epoch) */
  get ejected(): boolean {
    return this._ejected;
  }
  set ejected(value: boolean) {
    if (value !== this._ejected) this.availabilityEpoch.value++;
    this._ejected = value;
  }
  private _ejected = false;
  ejectedUntil = 0;
  /** ejections so far: the next one lasts failTimeout × (ejections + 1), capped */
  ejections = 0;
  /** consecutive failures seen on real traffic (outlier detection) */
  consecutiveFailures = 0;
  /** the service has too few healthy backends: health and ejection are ignored (panic mode) */
  get panic(): boolean {
    return this._panic;
  }
  set panic(value: boolean) {
    if (value !== this._panic) this.availabilityEpoch.value++;
    this._panic = value;
  }
  private _panic = false;
  /** slow start: effectiveWeight() is weight × this, ramped from a floor to 1 by a coarse timer */
  get slowStartFactor(): number {
    return this._slowStartFactor;
  }
  set slowStartFactor(value: number) {
    if (value !== this._slowStartFactor) this.availabilityEpoch.value++;
    this._slowStartFactor = value;
  }
  private _slowStartFactor = 1;

  // --- counters written by the data path (cells that worker threads may share: counter-cells.ts) ---
  private readonly cells: Int32Array;
  private readonly at: number;
  private readonly own: Int32Array | null;
  /**
   * work in progress on this backend, raised by Service.startOn: an L4 connection, an HTTP/1.1
   * request (one leased upstream socket each) or an HTTP/2 stream; plus each open WebSocket tunnel
   */
  get active(): number {
    return this.cells[this.at + ACTIVE]!;
  }
  set active(value: number) {
    this.cells[this.at + ACTIVE] = value;
  }
  /** the same as `active` without the WebSocket tunnels: requests (streams on HTTP/2) and L4 connections not yet ended */
  get inflight(): number {
    return this.cells[this.at + INFLIGHT]!;
  }
  set inflight(value: number) {
    this.cells[this.at + INFLIGHT] = value;
  }
  /** requests ever started, for stats */
  get total(): number {
    return (this.cells[this.at + TOTAL]! >>> 0) + this.cells[this.at + TOTAL_HIGH]! * 0x1_0000_0000;
  }

  /** A request or connection starts (Service.startOn). */
  begin(): void {
    const cells = this.cells;
    const at = this.at;
    if (this.own === null) {
      // this process alone writes them (workers: 1; the main thread of workers never starts requests)
      cells[at + ACTIVE]!++;
      cells[at + INFLIGHT]!++;
      if (cells[at + TOTAL]!++ === -1) cells[at + TOTAL_HIGH]!++;
      return;
    }
    Atomics.add(cells, at + ACTIVE, 1);
    Atomics.add(cells, at + INFLIGHT, 1);
    if (Atomics.add(cells, at + TOTAL, 1) === -1) Atomics.add(cells, at + TOTAL_HIGH, 1);
    const own = this.own;
    own[at + ACTIVE]!++;
    own[at + INFLIGHT]!++;
  }

  /**
   * begin(), unless the backend already has `maxConnections` in progress: then false and nothing
   * counted. With worker threads the check and the count are one compare-and-swap, so workers
   * picking it at the same instant cannot pass the limit together (available() only reads).
   */
  tryBegin(): boolean {
    const max = this.maxConnections;
    if (max === 0 || this.own === null) {
      if (max !== 0 && this.active >= max) return false;
      this.begin();
      return true;
    }
    const cells = this.cells;
    const at = this.at + ACTIVE;
    for (;;) {
      const active = Atomics.load(cells, at);
      if (active >= max) return false;
      if (Atomics.compareExchange(cells, at, active, active + 1) === active) break;
    }
    Atomics.add(cells, this.at + INFLIGHT, 1);
    if (Atomics.add(cells, this.at + TOTAL, 1) === -1) Atomics.add(cells, this.at + TOTAL_HIGH, 1);
    const own = this.own;
    own[this.at + ACTIVE]!++;
    own[this.at + INFLIGHT]!++;
    return true;
  }

  /** It ended (Service.endOn). */
  finish(): void {
    const cells = this.cells;
    const at = this.at;
    const own = this.own;
    if (own === null) {
      cells[at + ACTIVE]!--;
      cells[at + INFLIGHT]!--;
      return;
    }
    Atomics.sub(cells, at + ACTIVE, 1);
    Atomics.sub(cells, at + INFLIGHT, 1);
    own[at + ACTIVE]!--;
    own[at + INFLIGHT]!--;
  }

  /** A WebSocket tunnel opened on it (counts in `active` until it closes) or closed. */
  tunnel(delta: 1 | -1): void {
    if (this.own === null) {
      this.cells[this.at + ACTIVE]! += delta;
      return;
    }
    Atomics.add(this.cells, this.at + ACTIVE, delta);
    this.own[this.at + ACTIVE]! += delta;
  }
  /** the upstream connections open to it; null until the protocol code first connects */
  connections: BackendConnections | null = null;

  // --- samples kept for load-aware algorithms ---
  /** peak-EWMA response latency in ms; 0 = no sample yet */
  latencyEwma = 0;
  /** performance.now() of the last latency sample */
  latencyAt = 0;
  /** load reported by the backend, 0..1; NaN = no report */
  reportedLoad = Number.NaN;
  /** performance.now() of the last load report */
  reportedAt = 0;

  constructor(config: BackendConfig, availabilityEpoch: AvailabilityEpoch = UNOWNED_EPOCH, cell: CounterCell = LOCAL_CELLS.cellFor('', '')) {
    this.availabilityEpoch = availabilityEpoch;
    this.cells = cell.array;
    this.at = cell.at;
    this.own = cell.own;
    this.host = config.address.host;
    this.port = config.address.port;
    this.id = formatHostPort(config.address);
    this.name = config.name;
    this.weight = config.weight;
    this.maxConnections = config.maxConnections;
  }

  /**
   * Whether the backend may take a new request now: healthy and not ejected (or the service
   * is in panic mode), not draining, not at weight 0 and not at its connection limit.
   * Algorithms see health, ejection, panic, draining and maxConnections only through this
   * (and slow start only through effectiveWeight()); they also read weight, id, the counters
   * and the latency and load samples: the list is on Balancer (src/balancing/balancer.ts).
   */
  available(): boolean {
    return ((this._healthy && !this._ejected) || this._panic) && !this.draining && this.weight > 0 && (this.maxConnections === 0 || this.active < this.maxConnections);
  }

  /** The weight algorithms should use: the configured weight, scaled down during slow start. */
  effectiveWeight(): number {
    return this._slowStartFactor === 1 ? this._weight : this._weight * this._slowStartFactor;
  }
}
