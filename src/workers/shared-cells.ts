// Backend counters in one SharedArrayBuffer for the main thread and every worker thread. The main
// thread hands out the slots (it builds every backend first: at start, on reload, on an admin
// change) and sends the table with each config; a worker finds its backends' cells by name.
// Region 0 holds the instance's counts; region 1 + w holds worker w's own share of them, so that
// when it dies the main thread takes its work in progress back out (release()).
import { ACTIVE, CELLS_PER_BACKEND, INFLIGHT, LOCAL_CELLS, type CounterCell, type CounterCells } from '../pool/counter-cells.js';

/** service name, backend "host:port" → slot */
export type SlotTable = Map<string, number>;

const key = (service: string, backendId: string): string => `${service}\u0000${backendId}`;

function region(buffer: SharedArrayBuffer, capacity: number, index: number): Int32Array {
  const length = capacity * CELLS_PER_BACKEND;
  return new Int32Array(buffer, index * length * Int32Array.BYTES_PER_ELEMENT, length);
}

/** The main thread's side: allocates a slot per (service, backend) for the life of the process. */
export class SharedCells implements CounterCells {
  readonly buffer: SharedArrayBuffer;
  private readonly global: Int32Array;
  readonly table: SlotTable = new Map();
  /** called once when the buffer is full: later backends count per thread */
  onFull: (() => void) | null = null;

  constructor(
    readonly workers: number,
    readonly capacity = 4096,
  ) {
    this.buffer = new SharedArrayBuffer((workers + 1) * capacity * CELLS_PER_BACKEND * Int32Array.BYTES_PER_ELEMENT);
    this.global = region(this.buffer, capacity, 0);
  }

  cellFor(service: string, backendId: string): CounterCell {
    const k = key(service, backendId);
    let slot = this.table.get(k);
    if (slot === undefined) {
      if (this.table.size >= this.capacity) {
        this.onFull?.();
        this.onFull = null;
        return LOCAL_CELLS.cellFor(service, backendId);
      }
      slot = this.table.size;
      this.table.set(k, slot);
    }
    return { array: this.global, at: slot * CELLS_PER_BACKEND, own: null };
  }

  /** Worker `index` is gone: what it had in progress is no longer in progress. */
  release(index: number): void {
    const own = region(this.buffer, this.capacity, index + 1);
    for (let at = 0; at < own.length; at += CELLS_PER_BACKEND) {
      if (own[at + ACTIVE] !== 0) Atomics.sub(this.global, at + ACTIVE, own[at + ACTIVE]!);
      if (own[at + INFLIGHT] !== 0) Atomics.sub(this.global, at + INFLIGHT, own[at + INFLIGHT]!);
    }
    own.fill(0);
  }
}

/** A worker thread's side: the same buffer, the slots the main thread sent. */
export class WorkerCells implements CounterCells {
  private readonly global: Int32Array;
  private readonly own: Int32Array;
  table: SlotTable = new Map();

  constructor(buffer: SharedArrayBuffer, capacity: number, index: number) {
    this.global = region(buffer, capacity, 0);
    this.own = region(buffer, capacity, index + 1);
  }

  cellFor(service: string, backendId: string): CounterCell {
    const slot = this.table.get(key(service, backendId));
    return slot === undefined ? LOCAL_CELLS.cellFor(service, backendId) : { array: this.global, at: slot * CELLS_PER_BACKEND, own: this.own };
  }
}
