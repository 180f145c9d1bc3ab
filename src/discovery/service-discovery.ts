// Wires a service to the discovery its config asks for: starts it, restarts it when the settings
// change (the backends found so far stay until the new settings answer), stops it when the config
// drops it (the backends it found then drain). Each new set reaches the service through the same
// membership path as a config change: new backends join (with slow start), gone ones drain, kept
// ones keep their Backend object, counters and health; a new SRV weight is applied in place.
import { sameValue } from '../config/diff.js';
import type { BackendConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import type { Drains } from '../pool/drain.js';
import { applyDiscovered } from '../pool/membership.js';
import type { Service } from '../pool/service.js';
import { DnsDiscovery } from './dns-discovery.js';
import type { DiscoveredRecord, ResolutionResult } from './dns-resolve.js';

/** Follows `service.config.discovery`; the promise settles after the first resolution of a (re)started discovery. */
export function syncDiscovery(service: Service, drains: Drains, logger: Logger): Promise<void> {
  const wanted = service.config.discovery?.dns;
  const running = service.discovery instanceof DnsDiscovery ? service.discovery : null;
  if (running !== null && wanted !== undefined && sameValue(running.config, wanted)) return Promise.resolve();
  const counted = service.discovery?.resolutions;
  service.stopDiscovery();
  if (wanted === undefined) {
    if (service.discovered.length > 0) applyDiscovered(service, [], drains);
    service.discoverySource = undefined;
    return Promise.resolve();
  }
  const discovery = new DnsDiscovery(wanted, service.name, logger, (records) => {
    if (service.discovery !== discovery) return;
    service.discoverySource = discovery.source;
    applyDiscovered(service, records.map(toBackendConfig), drains);
  });
  // counters go on across a restart (Prometheus counters do not go down)
  for (const [result, count] of counted ?? []) discovery.resolutions.set(result as ResolutionResult, count);
  service.discovery = discovery;
  // a restart carries on from what the previous settings found: the first answer replaces it, a failure holds it
  if (service.discovered.length === 0) service.discoverySource = discovery.source;
  const first = discovery.start(service.discovered.map(toRecord));
  // a start waits for DNS at most one query timeout: an unanswered name is not fatal
  return Promise.race([first, new Promise<void>((settle) => setTimeout(settle, wanted.timeout).unref())]);
}

function toBackendConfig(record: DiscoveredRecord): BackendConfig {
  return { address: { host: record.host, port: record.port }, weight: record.weight, maxConnections: 0 };
}

function toRecord(backend: BackendConfig): DiscoveredRecord {
  return { host: backend.address.host, port: backend.address.port, weight: backend.weight };
}
