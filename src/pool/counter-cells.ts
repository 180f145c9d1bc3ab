// The data-path counters of a backend (in-flight work, requests ever) as cells of an Int32Array:
// a plain one in a single process, a view of a SharedArrayBuffer when several worker threads
// serve the same backends, so every worker's balancer reads the instance's counts. One shape
// for both: Backend reads and writes its cells the same way, with Atomics (cheap on a plain array).

import { type BreakerCell, localBreakerCell } from './breaker-cells.js';

/** Cells per backend, at these offsets. TOTAL is the low 32 bits (unsigned), TOTAL_HIGH the carry. */
export const ACTIVE = 0;
export const INFLIGHT = 1;
export const TOTAL = 2;
export const TOTAL_HIGH = 3;
export const CELLS_PER_BACKEND = 4;

/** Where one backend's cells are: `array[at + ACTIVE]`, ... */
export interface CounterCell {
  readonly array: Int32Array;
  readonly at: number;
  /**
   * with worker threads, this worker's own share of ACTIVE and INFLIGHT at the same offsets (written by
   * it alone), so the main thread can take a crashed worker's work in progress out of `array`; else null
   */
  readonly own: Int32Array | null;
}

/** Hands out the cells of a service's backends (by service name and "host:port") and of its circuit breaker. */
export interface CounterCells {
  cellFor(service: string, backendId: string): CounterCell;
  breakerCellFor(service: string): BreakerCell;
}

/** A process of its own (workers: 1, tests): fresh plain cells for every backend. */
export const LOCAL_CELLS: CounterCells = {
  cellFor: () => ({ array: new Int32Array(CELLS_PER_BACKEND), at: 0, own: null }),
  breakerCellFor: localBreakerCell,
};
