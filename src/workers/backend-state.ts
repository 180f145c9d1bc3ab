// Health, ejection, panic, slow start and drain of backends, as the main thread knows them (it runs
// the health checks): read there, sent when it changes, written into each worker's Backend objects.
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import type { DiscoveredSet } from '../fulcrum.js';
import type { DiscoveredSets } from './messages.js';

export interface BackendState {
  service: string;
  id: string;
  healthy: boolean;
  healthStatus: Backend['healthStatus'];
  healthReason: string;
  healthSince: number;
  ejected: boolean;
  ejectedUntil: number;
  panic: boolean;
  slowStartFactor: number;
  draining: boolean;
}

export function readState(service: string, b: Backend): BackendState {
  return {
    service,
    id: b.id,
    healthy: b.healthy,
    healthStatus: b.healthStatus,
    healthReason: b.healthReason,
    healthSince: b.healthSince,
    ejected: b.ejected,
    ejectedUntil: b.ejectedUntil,
    panic: b.panic,
    slowStartFactor: b.slowStartFactor,
    draining: b.draining,
  };
}

function same(a: BackendState, b: BackendState): boolean {
  return (
    a.healthy === b.healthy &&
    a.healthStatus === b.healthStatus &&
    a.healthReason === b.healthReason &&
    a.ejected === b.ejected &&
    a.panic === b.panic &&
    a.slowStartFactor === b.slowStartFactor &&
    a.draining === b.draining
  );
}

/** The main thread's side: what changed since the last call (everything on the first). */
export class StateTracker {
  private readonly last = new Map<string, BackendState>();

  all(services: Iterable<Service>): BackendState[] {
    const out: BackendState[] = [];
    for (const service of services) for (const b of service.backends) out.push(readState(service.name, b));
    return out;
  }

  changes(services: Iterable<Service>): BackendState[] {
    const out: BackendState[] = [];
    const seen = new Set<string>();
    for (const state of this.all(services)) {
      const k = `${state.service}\u0000${state.id}`;
      seen.add(k);
      const before = this.last.get(k);
      if (before === undefined || !same(before, state)) {
        this.last.set(k, state);
        out.push(state);
      }
    }
    for (const k of this.last.keys()) if (!seen.has(k)) this.last.delete(k);
    return out;
  }
}

/** The worker's side: write the states into its backends. */
export function applyStates(services: ReadonlyMap<string, Service>, states: readonly BackendState[]): void {
  for (const state of states) {
    const backend = services.get(state.service)?.backends.find((b) => b.id === state.id);
    if (backend === undefined) continue;
    backend.healthy = state.healthy;
    backend.healthStatus = state.healthStatus;
    backend.healthReason = state.healthReason;
    backend.healthSince = state.healthSince;
    backend.ejected = state.ejected;
    backend.ejectedUntil = state.ejectedUntil;
    backend.panic = state.panic;
    backend.slowStartFactor = state.slowStartFactor;
    backend.draining = state.draining;
  }
}

/** What the main thread's discovery found, by service: all of it, or what changed since the last call. */
export class DiscoveredTracker {
  private readonly last = new Map<string, string>();

  all(services: Iterable<Service>): DiscoveredSets {
    const out: DiscoveredSets = new Map();
    for (const service of services) {
      if (service.discoverySource !== undefined || service.discovered.length > 0) out.set(service.name, setOf(service));
    }
    return out;
  }

  /** null when nothing changed */
  changes(services: Iterable<Service>): DiscoveredSets | null {
    let out: DiscoveredSets | null = null;
    for (const service of services) {
      // most services have no discovery: nothing to compare (this runs every 100 ms)
      if (service.discoverySource === undefined && service.discovered.length === 0 && !this.last.has(service.name)) continue;
      const set = setOf(service);
      const text = JSON.stringify(set);
      if ((this.last.get(service.name) ?? JSON.stringify(EMPTY)) === text) continue;
      this.last.set(service.name, text);
      (out ??= new Map()).set(service.name, set);
    }
    return out;
  }
}

const EMPTY: DiscoveredSet = { source: undefined, backends: [] };

function setOf(service: Service): DiscoveredSet {
  return { source: service.discoverySource, backends: [...service.discovered] };
}
