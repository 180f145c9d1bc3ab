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
    backends: service.backends.map((b) => backendView(b, fulcrum.drains)),
    // removed from the config, still finishing their requests
    removing: fulcrum.drains.retiring(service.name).map((d) => backendView(d.backend, fulcrum.drains, d)),
  };
}

export function backendView(backend: Backend, drains: Drains, drain: Drain | undefined = drains.get(backend)): object {
  const health = backend as Backend & HealthFields;
  return {
    name: backend.name ?? null,
    address: backend.id,
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
