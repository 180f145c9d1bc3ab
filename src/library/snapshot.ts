// A read-only view of a running Fulcrum's services and backends: plain objects, taken when asked.
import type { Drains } from '../pool/drain.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';

export interface BackendSnapshot {
  /** the backend's `name` in the config, or null */
  readonly name: string | null;
  /** "host:port" */
  readonly address: string;
  /** configured weight (admin re-weights included) */
  readonly weight: number;
  /** the weight the balancer uses now (slow start ramps it up) */
  readonly effectiveWeight: number;
  /** 0 = unlimited */
  readonly maxConnections: number;
  /** healthy, not ejected, not draining, not full: new requests may go to it */
  readonly available: boolean;
  readonly healthy: boolean;
  /** taking no new requests (admin drain, or removed and finishing its requests) */
  readonly draining: boolean;
  /** requests or connections open on it now */
  readonly activeConnections: number;
  readonly inflightRequests: number;
  /** requests or connections sent to it since it joined */
  readonly totalRequests: number;
}

export interface ServiceSnapshot {
  readonly name: string;
  /** a built-in algorithm or a registered one */
  readonly algorithm: string;
  readonly backends: readonly BackendSnapshot[];
  /** backends removed from the config that still finish their requests */
  readonly removing: readonly BackendSnapshot[];
}

export function serviceSnapshot(service: Service, drains: Drains): ServiceSnapshot {
  return Object.freeze({
    name: service.name,
    algorithm: service.config.algorithm,
    backends: Object.freeze(service.backends.map(backendSnapshot)),
    removing: Object.freeze(drains.retiring(service.name).map((drain) => backendSnapshot(drain.backend))),
  });
}

function backendSnapshot(backend: Backend): BackendSnapshot {
  return Object.freeze({
    name: backend.name ?? null,
    address: backend.id,
    weight: backend.weight,
    effectiveWeight: backend.effectiveWeight(),
    maxConnections: backend.maxConnections,
    available: backend.available(),
    healthy: backend.healthy,
    draining: backend.draining,
    activeConnections: backend.active,
    inflightRequests: backend.inflight,
    totalRequests: backend.total,
  });
}
