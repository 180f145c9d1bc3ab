// A worker's traffic counters as plain data, and their sum in the main thread's registry, which
// /metrics and the dashboard read as they would in a single process (histograms add bucket by bucket).
import type { BackendConfig } from '../config/types.js';
import { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import { type BreakerRefusals, BreakerState } from '../pool/circuit-breaker.js';
import type { TrafficStatsRegistry } from '../observe/traffic-stats.js';

interface SeriesSnapshot {
  /** "host:port", or null: answered by Fulcrum */
  backend: string | null;
  byClass: Float64Array;
  buckets: Float64Array;
  durationSum: number;
  bytesIn: number;
  bytesOut: number;
}

export interface StatsSnapshot {
  routes: Array<{ listener: string; route: string; service: string; rateLimited: number; series: SeriesSnapshot[] }>;
  listeners: Array<{ name: string; active: number; accepted: number; refused: number }>;
  services: Array<{ name: string; retries: number; noBackend: number }>;
  /** a worker process's circuit breakers (each its own); threads share theirs with the main thread, and send none */
  breakers: BreakerSnapshot[];
}

interface BreakerSnapshot {
  service: string;
  state: BreakerState;
  trips: number;
  refusedBy: BreakerRefusals;
}

/** The breakers of a worker process's services, for /metrics in the main thread. */
export function breakerSnapshots(services: Iterable<Service>): BreakerSnapshot[] {
  const out: BreakerSnapshot[] = [];
  for (const service of services) {
    const breaker = service.breaker;
    if (breaker !== null) out.push({ service: service.name, state: breaker.state, trips: breaker.trips, refusedBy: breaker.refusedBy });
  }
  return out;
}

export function takeSnapshot(stats: TrafficStatsRegistry, breakers: BreakerSnapshot[] = []): StatsSnapshot {
  return {
    breakers,
    routes: [...stats.routes.values()].map((route) => ({
      listener: route.listener,
      route: route.route,
      service: route.service,
      rateLimited: route.rateLimited,
      series: [...route.byBackend.values()].map((c) => ({
        backend: c.backend === null ? null : c.backend.id,
        byClass: c.byClass.slice(),
        buckets: c.buckets.slice(),
        durationSum: c.durationSum,
        bytesIn: c.bytesIn,
        bytesOut: c.bytesOut,
      })),
    })),
    listeners: [...stats.listeners.values()].map((l) => ({ name: l.listener, active: l.active, accepted: l.accepted, refused: l.refused })),
    services: [...stats.services.values()].map((s) => ({ name: s.service, retries: s.retries, noBackend: s.noBackend })),
  };
}

/** A snapshot of a worker that exited: its counters stay in the sums (counters never go back), its connections and breaker states are gone. */
export function retired(snapshot: StatsSnapshot): StatsSnapshot {
  return {
    ...snapshot,
    listeners: snapshot.listeners.map((l) => ({ ...l, active: 0 })),
    breakers: snapshot.breakers.map((b) => ({ ...b, state: BreakerState.Closed })),
  };
}

/**
 * Write the sum of `snapshots` into `stats` (the main thread's registry: the objects are kept, the
 * numbers replaced). Series are keyed by the main thread's Backend objects, found by service and address.
 */
export function sumInto(stats: TrafficStatsRegistry, snapshots: Iterable<StatsSnapshot>, services: ReadonlyMap<string, Service>, strays: Map<string, Backend>): void {
  for (const route of stats.routes.values()) {
    route.rateLimited = 0;
    for (const c of route.byBackend.values()) {
      c.byClass.fill(0);
      c.buckets.fill(0);
      c.durationSum = 0;
      c.bytesIn = 0;
      c.bytesOut = 0;
    }
  }
  for (const l of stats.listeners.values()) l.active = l.accepted = l.refused = 0;
  for (const s of stats.services.values()) s.retries = s.noBackend = 0;
  for (const snapshot of snapshots) {
    for (const r of snapshot.routes) {
      const route = stats.route(r.listener, r.route, r.service);
      route.rateLimited += r.rateLimited;
      for (const series of r.series) {
        const c = route.counters(series.backend === null ? null : backendOf(services, strays, r.service, series.backend));
        for (let i = 0; i < c.byClass.length; i++) c.byClass[i]! += series.byClass[i] ?? 0;
        for (let i = 0; i < c.buckets.length; i++) c.buckets[i]! += series.buckets[i] ?? 0;
        c.durationSum += series.durationSum;
        c.bytesIn += series.bytesIn;
        c.bytesOut += series.bytesOut;
      }
    }
    for (const l of snapshot.listeners) {
      const listener = stats.listener(l.name);
      listener.active += l.active;
      listener.accepted += l.accepted;
      listener.refused += l.refused;
    }
    for (const s of snapshot.services) {
      const service = stats.service(s.name);
      service.retries += s.retries;
      service.noBackend += s.noBackend;
    }
  }
  sumBreakers(snapshots, services);
}

/** Worker processes' breakers into the main thread's: counts summed, the state the worst of theirs (open, half-open, closed). */
function sumBreakers(snapshots: Iterable<StatsSnapshot>, services: ReadonlyMap<string, Service>): void {
  const sums = new Map<string, { state: BreakerState; trips: number; refusedBy: BreakerRefusals }>();
  for (const snapshot of snapshots) {
    for (const b of snapshot.breakers) {
      const sum = sums.get(b.service);
      if (sum === undefined) sums.set(b.service, { state: b.state, trips: b.trips, refusedBy: { ...b.refusedBy } });
      else {
        if (SEVERITY[b.state] > SEVERITY[sum.state]) sum.state = b.state;
        sum.trips += b.trips;
        for (const reason of Object.keys(sum.refusedBy) as Array<keyof BreakerRefusals>) sum.refusedBy[reason] += b.refusedBy[reason];
      }
    }
  }
  for (const [name, sum] of sums) services.get(name)?.breaker?.showTotals(sum.state, sum.trips, sum.refusedBy);
}

const SEVERITY: Record<BreakerState, number> = { [BreakerState.Closed]: 0, [BreakerState.HalfOpen]: 1, [BreakerState.Open]: 2 };

/** The main thread's Backend of that address, or a stand-in for one that left the config (its series go on). */
function backendOf(services: ReadonlyMap<string, Service>, strays: Map<string, Backend>, service: string, id: string): Backend {
  const found = services.get(service)?.backends.find((b) => b.id === id);
  if (found !== undefined) return found;
  const k = `${service}\u0000${id}`;
  let stray = strays.get(k);
  if (stray === undefined) {
    const colon = id.lastIndexOf(':');
    const host = id.slice(0, colon).replace(/^\[|\]$/g, '');
    const config = { address: { host, port: Number(id.slice(colon + 1)) }, weight: 1, maxConnections: 0 } as BackendConfig;
    strays.set(k, (stray = new Backend(config)));
  }
  return stray;
}
