// What the admin API shows of services and backends: plain JSON, live values.
import type { Fulcrum } from '../fulcrum.js';
import type { Backend } from '../pool/backend.js';
import type { Drain, Drains } from '../pool/drain.js';
import type { Service } from '../pool/service.js';

/** Health fields written by src/health; read loosely so the view works whichever of them exist. */
interface HealthFields {
  healthStatus?: string;
  healthReason?: string;
  healthSince?: number;
  ejected?: boolean;
  ejections?: number;
}

export function serviceView(fulcrum: Fulcrum, service: Service): object {
  return {
    name: service.name,
    algorithm: service.config.algorithm,
    drainTimeoutMs: service.config.drainTimeout,
    ...(service.discovery !== null && { discovery: discoveryView(service) }),
    backends: service.backends.map((b) => backendView(b, fulcrum.drains, undefined, backendSource(fulcrum, service, b))),
    // removed from the config, still finishing their requests
    removing: fulcrum.drains.retiring(service.name).map((d) => backendView(d.backend, fulcrum.drains, d, backendSource(fulcrum, service, d.backend))),
  };
}

/** Where a backend comes from: `config` (the file), `admin` (added through the API) or `dns:NAME` (discovery). */
export function backendSource(fulcrum: Fulcrum, service: Service, backend: Backend): string {
  if (backend.source !== undefined) return backend.source;
  const inFile = fulcrum.fileConfig.services.get(service.name)?.backends.some((b) => b.address.host === backend.host && b.address.port === backend.port);
  return inFile === true ? 'config' : 'admin';
}

function discoveryView(service: Service): object {
  const discovery = service.discovery!;
  return {
    source: discovery.source,
    backends: discovery.records.length,
    resolutions: Object.fromEntries(discovery.resolutions),
    ...('lastResult' in discovery && { lastResult: discovery.lastResult }),
  };
}

export function backendView(backend: Backend, drains: Drains, drain: Drain | undefined = drains.get(backend), source = 'config'): object {
  const health = backend as Backend & HealthFields;
  return {
    name: backend.name ?? null,
    address: backend.id,
    source,
    weight: backend.weight,
    effectiveWeight: backend.effectiveWeight(),
    maxConnections: backend.maxConnections,
    available: backend.available(),
    health: {
      healthy: backend.healthy,
      ...(health.healthStatus !== undefined && { status: health.healthStatus }),
      reason: health.healthReason ?? '',
      since: health.healthSince !== undefined ? new Date(health.healthSince).toISOString() : null,
    },
    ejected: health.ejected ?? false,
    ejections: health.ejections ?? 0,
    draining: backend.draining,
    drain: drain ?? null,
    activeConnections: backend.active,
    inflightRequests: backend.inflight,
    totalRequests: backend.total,
    upstreamConnections: backend.connections?.openCount ?? 0,
  };
}
