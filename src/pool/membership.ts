import type { BackendConfig, ServiceConfig } from '../config/types.js';
import { sameValue } from '../config/diff.js';
import type { Drains } from './drain.js';
import type { Service } from './service.js';

const NONE: ReadonlySet<string> = new Set();

/**
 * Adopt a service config and start or stop the drains it implies: backends that left drain
 * until idle (or the drain timeout), weight 0 and operator drains take no new requests, and a
 * backend back at a positive weight and not drained takes requests again.
 */
export function applyServiceConfig(service: Service, config: ServiceConfig, drains: Drains, drained: ReadonlySet<string> = NONE): void {
  const before = service.backends;
  service.adminDrained = drained;
  service.applyConfig(config);
  const now = new Set(service.backends);
  for (const backend of before) {
    if (!now.has(backend)) drains.start(backend, service.name, 'removed', config.drainTimeout);
  }
  for (const backend of service.backends) {
    const reason = drained.has(backend.id) ? 'admin' : backend.weight === 0 ? 'weight-0' : null;
    if (reason !== null) drains.start(backend, service.name, reason, config.drainTimeout);
    else drains.stop(backend);
  }
  // drained and weight-0 backends do not count towards the panic threshold
  service.health.updatePanic();
}

/** Discovery found another set: it replaces the last one, through the same drains as a config change. */
export function applyDiscovered(service: Service, backends: readonly BackendConfig[], drains: Drains): void {
  service.discovered = backends;
  applyServiceConfig(service, service.config, drains, service.adminDrained);
}

/** What another thread's discovery found (a worker's services follow the main thread's): applied when it differs. */
export function applyDiscoveredSet(service: Service, found: { source: string | undefined; backends: readonly BackendConfig[] }, drains: Drains): void {
  if (service.discoverySource === found.source && sameValue(service.discovered, found.backends)) return;
  service.discoverySource = found.source;
  applyDiscovered(service, found.backends, drains);
}

/** A service left the config: every backend drains, then health checks and discovery stop. */
export function retireService(service: Service, drains: Drains): void {
  service.stopHealth();
  service.stopDiscovery();
  for (const backend of service.backends) {
    drains.start(backend, service.name, 'removed', service.config.drainTimeout);
  }
}
