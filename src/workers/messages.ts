// What the main thread and the worker threads say to each other (postMessage, structured clone).
import type { FulcrumConfig } from '../config/types.js';
import type { DiscoveredSet } from '../fulcrum.js';
import type { BackendState } from './backend-state.js';
import type { SharedBuffers, SlotTable } from './shared-cells.js';
import type { StatsSnapshot } from './stats-snapshot.js';

/** Given to every worker thread when it is created. */
export interface WorkerData {
  index: number;
  /** the shared counters; null in a worker process (its counters are its own) */
  cells: SharedBuffers | null;
  capacity: number;
  logLevel: string;
  logFormat: 'pretty' | 'json' | undefined;
}

/** service name → what the main thread's discovery found for it */
export type DiscoveredSets = Map<string, DiscoveredSet>;

export type StoreOp = 'ping' | 'get' | 'set' | 'setIfAbsent' | 'delete' | 'increment' | 'takeTokens';

/** One state call of a worker's (MainStoreClient): the StateStore method and its arguments. */
export interface StoreCallMessage {
  id: number;
  op: StoreOp;
  key: string;
  value: string;
  a: number;
  b: number;
  c: number;
}

export interface StoreAnswer {
  id: number;
  value: unknown;
  error: string | undefined;
}

export type ToWorker =
  /** serve this config (the first one starts the worker); `states` are applied right after */
  | { type: 'config'; seq: number; config: FulcrumConfig; table: SlotTable; states: BackendState[]; discovered: DiscoveredSets }
  /**
   * health, drain and slow-start state changed in the main thread; with `discovered`, what its
   * discovery found changed too (and `table` has the new backends' counter slots)
   */
  | { type: 'states'; states: BackendState[]; discovered?: DiscoveredSets; table?: SlotTable }
  | { type: 'stats'; id: number }
  /** send the access-log lines held for the next batch now, then say 'flushed' */
  | { type: 'flush'; id: number }
  | { type: 'stop'; graceMs: number }
  /** answers to the worker's state calls (the main thread keeps the state of a memory store) */
  | { type: 'store'; answers: StoreAnswer[] };

export type FromWorker =
  /** listening for messages (a worker process: what was sent before is held until then) */
  | { type: 'ready' }
  | { type: 'applied'; seq: number; error?: string }
  | { type: 'stats'; id: number; snapshot: StatsSnapshot }
  /** access-log lines, whole, in the order written */
  | { type: 'access'; text: string }
  /** stop: its listeners no longer accept (in-flight work goes on) */
  | { type: 'draining' }
  /** after its 'access' lines: every line written before the 'flush' is sent */
  | { type: 'flushed'; id: number }
  | { type: 'stopped' }
  /** state calls for the main thread's store, batched per event-loop turn */
  | { type: 'store'; calls: StoreCallMessage[] }
  /** passive health: `backend` failed maxFails times in a row; the main thread ejects it (or not: maxEjectionPercent) */
  | { type: 'eject'; service: string; backend: string; reason: string };
