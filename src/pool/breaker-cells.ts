// Where a circuit breaker keeps its state and counts: cells of an Int32Array (and one BigInt64 cell
// for the time it stays open), plain in a single process, in shared memory when worker threads
// serve the same service, so every worker's breaker is the same breaker (src/workers/shared-cells.ts).

/** Offsets in a breaker's cells. */
export const STATE = 0;
export const REQUESTS = 1;
export const PENDING = 2;
export const HALF_IN_FLIGHT = 3;
export const HALF_SUCCESSES = 4;
export const TRIPS = 5;
/** refusals by reason: open, max-requests, max-pending, max-connections */
export const REFUSED = 6;
/** the window's bucket length the buckets were counted with (a config change that moves it starts the window over) */
export const BUCKET_MS = 10;
/** BUCKETS × (bucket number mod 2^30, total, failures) */
export const WINDOW = 12;
export const BUCKETS = 10;
export const BREAKER_CELLS = 48;

export interface BreakerCell {
  readonly array: Int32Array;
  readonly at: number;
  /** ms (the shared clock) until which an open breaker stays open */
  readonly openUntil: BigInt64Array;
  readonly openAt: number;
  /**
   * with worker threads, this worker's own share of REQUESTS and PENDING (written by it alone), so the
   * main thread can take a crashed worker's attempts out of the counts; else null. (Its half-open
   * trials are not kept: the main thread lets new ones start instead, see SharedCells.release.)
   */
  readonly own: Int32Array | null;
}

/** Fresh plain cells: a breaker of its own (one process, tests). */
export function localBreakerCell(): BreakerCell {
  return { array: new Int32Array(BREAKER_CELLS), at: 0, openUntil: new BigInt64Array(1), openAt: 0, own: null };
}
