// The entry of a worker (thread or process): serves the listeners of the config the main thread
// sends, with the shared counters (threads), no health checks of its own (the main thread's state
// arrives as messages), and its access-log lines relayed to the main thread.
import { LOCAL_CELLS } from '../pool/counter-cells.js';
import { parentChannel } from './channel.js';
import { Fulcrum } from '../fulcrum.js';
import { applyDiscoveredSet } from '../pool/membership.js';
import { AccessLog } from '../observe/access-log.js';
import { createLogger } from '../observe/logger.js';
import { TrafficStatsRegistry } from '../observe/traffic-stats.js';
import { AccessRelay } from './access-relay.js';
import { applyStates } from './backend-state.js';
import type { DiscoveredSets, FromWorker, ToWorker } from './messages.js';
import { WorkerCells } from './shared-cells.js';
import { breakerSnapshots, type StatsSnapshot, takeSnapshot } from './stats-snapshot.js';
import { SharedStore } from '../state/shared-store.js';
import { MAIN_STORE_TIMEOUT_MS, MainStoreLink } from './main-store-client.js';
import type { StatusStore } from '../state/store-switch.js';
import type { EjectionReporter } from '../health/reported-outliers.js';

const port = parentChannel();
const data = port.data;
const logger = createLogger(data.logLevel, data.logFormat).child({ worker: data.index });
const cells = data.cells !== null ? new WorkerCells(data.cells, data.capacity, data.index) : null;
const relay = new AccessRelay(port);
let fulcrum: Fulcrum | null = null;
let stopping = false;
/** config messages are applied one at a time, in order */
let applying: Promise<void> = Promise.resolve();

const send = (message: FromWorker): void => port.post(message);

const storeLink = new MainStoreLink((calls) => send({ type: 'store', calls }));

/** `state.store: memory`: one store for every worker, kept by the main thread (main-store-host.ts). */
function mainStore(): StatusStore {
  return new SharedStore((events) => storeLink.client(events), {
    timeoutMs: MAIN_STORE_TIMEOUT_MS,
    onError: 'open',
    logger,
    where: 'main thread',
    store: 'main',
  });
}

/** what the main thread's discovery found, by service (discovery runs there only) */
const discovered: DiscoveredSets = new Map();

/** This worker's counters; a process's breakers too (a thread's are the main thread's own cells). */
function snapshot(): StatsSnapshot {
  if (fulcrum === null) return takeSnapshot(new TrafficStatsRegistry());
  return takeSnapshot(fulcrum.observers.stats, cells === null ? breakerSnapshots(fulcrum.services.values()) : []);
}

const reportEjection: EjectionReporter = (service, backend, reason) => send({ type: 'eject', service, backend, reason });

if (process.send !== undefined) {
  // a worker process: signals are the primary's to act on (a terminal's ^C or systemd reach the whole group)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1'] as const) process.on(signal, () => undefined);
  // the primary is gone: nobody would stop or restart us
  process.on('disconnect', () => process.exit(stopping ? 0 : 1));
}

port.onMessage((message) => {
  switch (message.type) {
    case 'config':
      applying = applying.then(() => apply(message));
      return;
    case 'states':
      if (message.table !== undefined && cells !== null) cells.table = message.table;
      for (const [name, set] of message.discovered ?? []) {
        discovered.set(name, set);
        const service = fulcrum?.services.get(name);
        if (service !== undefined) applyDiscoveredSet(service, set, fulcrum!.drains);
      }
      if (fulcrum !== null) applyStates(fulcrum.services, message.states);
      return;
    case 'stats':
      send({ type: 'stats', id: message.id, snapshot: snapshot() });
      return;
    case 'flush':
      relay.flushSync();
      send({ type: 'flushed', id: message.id });
      return;
    case 'stop':
      applying = applying.then(() => stop(message.graceMs));
      return;
    case 'store':
      storeLink.answer(message.answers);
      return;
  }
});

send({ type: 'ready' });

async function apply(message: Extract<ToWorker, { type: 'config' }>): Promise<void> {
  if (cells !== null) cells.table = message.table;
  discovered.clear();
  for (const [name, set] of message.discovered) discovered.set(name, set);
  try {
    if (fulcrum === null) {
      const access = message.config.log.access;
      fulcrum = await Fulcrum.start(message.config, {
        logger,
        cells: cells ?? LOCAL_CELLS,
        health: false,
        accessLog: access ? new AccessLog(access, relay) : null,
        memoryStore: mainStore,
        reportEjection,
        discovered: (name) => discovered.get(name),
      });
    } else {
      const result = await fulcrum.reload(message.config);
      if (!result.ok) throw new Error(result.errors.join('; '));
    }
    applyStates(fulcrum.services, message.states);
    send({ type: 'applied', seq: message.seq });
  } catch (error) {
    send({ type: 'applied', seq: message.seq, error: error instanceof Error ? error.message : String(error) });
  }
}

async function stop(graceMs: number): Promise<void> {
  stopping = true;
  await fulcrum?.stop(graceMs, () => send({ type: 'draining' }));
  if (fulcrum === null) send({ type: 'draining' });
  relay.flushSync();
  send({ type: 'stopped' });
  port.close();
}
