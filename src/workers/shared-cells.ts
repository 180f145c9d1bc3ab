// Backend counters in one SharedArrayBuffer for the main thread and every worker thread. The main
// thread hands out the slots (it builds every backend first: at start, on reload, on an admin
// change) and sends the table with each config; a worker finds its backends' cells by name.
// Region 0 holds the instance's counts; region 1 + w holds worker w's own share of them, so that
// when it dies the main thread takes its work in progress back out (release()).
import { ACTIVE, CELLS_PER_BACKEND, INFLIGHT, LOCAL_CELLS, type CounterCell, type CounterCells } from '../pool/counter-cells.js';
import { BREAKER_CELLS, type BreakerCell, HALF_IN_FLIGHT, localBreakerCell, PENDING, REQUESTS } from '../pool/breaker-cells.js';

/** service name, backend "host:port" → slot; and breakerKey(service) → the slot of its circuit breaker */
export type SlotTable = Map<string, number>;

export const slotKey = (service: string, backendId: string): string => `${service}\u0000${backendId}`;
const breakerKey = (service: string): string => `\u0001${service}`;

/** How long a backend slot stays unused (its backend gone, nothing in flight) before it is handed out again. */
export const REUSE_AFTER_MS = 60_000;

/** How many services' circuit breakers the shared memory holds. */
export const BREAKER_CAPACITY = 1024;

function region(buffer: SharedArrayBuffer, capacity: number, index: number, cells = CELLS_PER_BACKEND): Int32Array {
  const length = capacity * cells;
  return new Int32Array(buffer, index * length * Int32Array.BYTES_PER_ELEMENT, length);
}

/** The buffers worker threads are given: backend counters, breaker cells, breaker open-until times. */
export interface SharedBuffers {
  backends: SharedArrayBuffer;
  breakers: SharedArrayBuffer;
  breakerTimes: SharedArrayBuffer;
}

/** The main thread's side: allocates a slot per (service, backend) for the life of the process. */
export class SharedCells implements CounterCells {
  readonly buffers: SharedBuffers;
  private readonly global: Int32Array;
  private readonly breakers: Int32Array;
  private readonly breakerTimes: BigInt64Array;
  private breakerSlots = 0;
  /** backend slots given back (their backend gone for REUSE_AFTER_MS), handed out again first */
  private readonly free: number[] = [];
  /** backend slots in use */
  private backendSlots = 0;
  /** key → since when its backend is neither in a service nor draining, with nothing in flight */
  private readonly unusedSince = new Map<string, number>();
  readonly table: SlotTable = new Map();
  /** called once when the buffer is full: later backends count per thread */
  onFull: (() => void) | null = null;

  constructor(
    readonly workers: number,
    readonly capacity = 4096,
  ) {
    this.buffers = {
      backends: new SharedArrayBuffer((workers + 1) * capacity * CELLS_PER_BACKEND * Int32Array.BYTES_PER_ELEMENT),
      breakers: new SharedArrayBuffer((workers + 1) * BREAKER_CAPACITY * BREAKER_CELLS * Int32Array.BYTES_PER_ELEMENT),
      breakerTimes: new SharedArrayBuffer(BREAKER_CAPACITY * BigInt64Array.BYTES_PER_ELEMENT),
    };
    this.global = region(this.buffers.backends, capacity, 0);
    this.breakers = region(this.buffers.breakers, BREAKER_CAPACITY, 0, BREAKER_CELLS);
    this.breakerTimes = new BigInt64Array(this.buffers.breakerTimes);
  }

  breakerCellFor(service: string): BreakerCell {
    const k = breakerKey(service);
    let slot = this.table.get(k);
    if (slot === undefined) {
      if (this.breakerSlots >= BREAKER_CAPACITY) return localBreakerCell();
      slot = this.breakerSlots++;
      this.table.set(k, slot);
    }
    return { array: this.breakers, at: slot * BREAKER_CELLS, openUntil: this.breakerTimes, openAt: slot, own: null };
  }

  cellFor(service: string, backendId: string): CounterCell {
    const k = slotKey(service, backendId);
    let slot = this.table.get(k);
    if (slot === undefined) {
      if (this.backendSlots >= this.capacity) {
        this.onFull?.();
        this.onFull = null;
        return LOCAL_CELLS.cellFor(service, backendId);
      }
      slot = this.free.pop() ?? this.backendSlots;
      this.backendSlots++;
      this.table.set(k, slot);
      this.clear(slot);
    }
    return { array: this.global, at: slot * CELLS_PER_BACKEND, own: null };
  }

  /**
   * Gives back the slots of backends that are gone: not in `live` (the keys of every backend in a
   * service or draining), nothing in flight, for REUSE_AFTER_MS in a row. The wait is what makes reuse
   * safe without asking the workers: by then every worker has long applied the change that removed it.
   */
  collect(live: ReadonlySet<string>, now: number): void {
    for (const [k, slot] of this.table) {
      if (k.startsWith('\u0001')) continue; // a breaker's
      const at = slot * CELLS_PER_BACKEND;
      if (live.has(k) || Atomics.load(this.global, at + ACTIVE) !== 0 || Atomics.load(this.global, at + INFLIGHT) !== 0) {
        this.unusedSince.delete(k);
        continue;
      }
      const since = this.unusedSince.get(k);
      if (since === undefined) this.unusedSince.set(k, now);
      else if (now - since >= REUSE_AFTER_MS) {
        this.unusedSince.delete(k);
        this.table.delete(k);
        this.free.push(slot);
        this.backendSlots--;
      }
    }
  }

  /** A slot handed out (again) starts from zero, in the instance's region and every worker's. */
  private clear(slot: number): void {
    for (let index = 0; index <= this.workers; index++) {
      region(this.buffers.backends, this.capacity, index).fill(0, slot * CELLS_PER_BACKEND, (slot + 1) * CELLS_PER_BACKEND);
    }
  }

  /**
   * Worker `index` is gone: what it had in progress is no longer in progress. Half-open breakers may
   * start new trials (its trials, never finished, would otherwise hold their places for good).
   */
  release(index: number): void {
    const own = region(this.buffers.backends, this.capacity, index + 1);
    for (let at = 0; at < own.length; at += CELLS_PER_BACKEND) {
      if (own[at + ACTIVE] !== 0) Atomics.sub(this.global, at + ACTIVE, own[at + ACTIVE]!);
      if (own[at + INFLIGHT] !== 0) Atomics.sub(this.global, at + INFLIGHT, own[at + INFLIGHT]!);
    }
    own.fill(0);
    const breakers = region(this.buffers.breakers, BREAKER_CAPACITY, index + 1, BREAKER_CELLS);
    for (let at = 0; at < this.breakerSlots * BREAKER_CELLS; at += BREAKER_CELLS) {
      if (breakers[at + REQUESTS] !== 0) Atomics.sub(this.breakers, at + REQUESTS, breakers[at + REQUESTS]!);
      if (breakers[at + PENDING] !== 0) Atomics.sub(this.breakers, at + PENDING, breakers[at + PENDING]!);
      Atomics.store(this.breakers, at + HALF_IN_FLIGHT, 0);
    }
    breakers.fill(0);
  }
}

/** A worker thread's side: the same buffer, the slots the main thread sent. */
export class WorkerCells implements CounterCells {
  private readonly global: Int32Array;
  private readonly own: Int32Array;
  private readonly breakers: Int32Array;
  private readonly ownBreakers: Int32Array;
  private readonly breakerTimes: BigInt64Array;
  table: SlotTable = new Map();

  constructor(buffers: SharedBuffers, capacity: number, index: number) {
    this.global = region(buffers.backends, capacity, 0);
    this.own = region(buffers.backends, capacity, index + 1);
    this.breakers = region(buffers.breakers, BREAKER_CAPACITY, 0, BREAKER_CELLS);
    this.ownBreakers = region(buffers.breakers, BREAKER_CAPACITY, index + 1, BREAKER_CELLS);
    this.breakerTimes = new BigInt64Array(buffers.breakerTimes);
  }

  breakerCellFor(service: string): BreakerCell {
    const slot = this.table.get(breakerKey(service));
    if (slot === undefined) return localBreakerCell();
    return { array: this.breakers, at: slot * BREAKER_CELLS, openUntil: this.breakerTimes, openAt: slot, own: this.ownBreakers };
  }

  cellFor(service: string, backendId: string): CounterCell {
    const slot = this.table.get(slotKey(service, backendId));
    return slot === undefined ? LOCAL_CELLS.cellFor(service, backendId) : { array: this.global, at: slot * CELLS_PER_BACKEND, own: this.own };
  }
}
