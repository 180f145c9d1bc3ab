// Asking a service's circuit breaker before an attempt, whatever the protocol.
import type { Backend } from '../pool/backend.js';
import type { BreakerRefusal, CircuitBreaker } from '../pool/circuit-breaker.js';
import type { Service } from '../pool/service.js';

/**
 * May an attempt go to `backend` now? Admits it (the caller then owes `breaker.done`) or says
 * why not. maxPending is checked when the attempt would wait for a connection (no idle socket,
 * no connected HTTP/2 session), maxConnections when it would open one (and not share an HTTP/2
 * session already open or connecting). Every upstream socket (tunnels included) and every
 * HTTP/2 session counts as one connection, as in Envoy.
 */
export function admitAttempt(breaker: CircuitBreaker, service: Service, backend: Backend): BreakerRefusal {
  const refusal = breaker.admit();
  if (refusal !== '') return refusal;
  const limits = breaker.config;
  if (limits.maxPending === 0 && limits.maxConnections === 0) return '';
  const connections = backend.connections;
  if (connections !== null && connections.ready) return '';
  const opens = connections === null || !connections.shared;
  const connectionRefusal = breaker.admitConnection(limits.maxConnections !== 0 && opens ? service.openConnections() : 0);
  if (connectionRefusal !== '') {
    breaker.done('cancelled', 0, 0);
    return connectionRefusal;
  }
  return '';
}
