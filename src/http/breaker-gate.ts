// The HTTP side of a service's circuit breaker: asking it before an attempt, and the 503 it answers.
import type { BreakerRefusal, CircuitBreaker } from '../pool/circuit-breaker.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import type { HttpConnections } from './upstream/http-connections.js';

/**
 * May an attempt go to `backend` now? Admits it (the caller then owes `breaker.done`) or says
 * why not. maxPending is checked when the attempt would wait for a connection (no idle socket,
 * no connected HTTP/2 session), maxConnections when it would open one (and not share an HTTP/2
 * session already open or connecting). Every HTTP/1.1 socket (tunnels included) and every
 * HTTP/2 session counts as one connection, as in Envoy.
 */
export function admitAttempt(breaker: CircuitBreaker, service: Service, backend: Backend): BreakerRefusal {
  const refusal = breaker.admit();
  if (refusal !== '') return refusal;
  const limits = breaker.config;
  if (limits.maxPending === 0 && limits.maxConnections === 0) return '';
  // only HTTP code sets backend.connections
  const connections = backend.connections as HttpConnections | null;
  if (connections !== null && connections.ready) return '';
  const opens = connections === null || !connections.shared;
  const connectionRefusal = breaker.admitConnection(limits.maxConnections !== 0 && opens ? service.openConnections() : 0);
  if (connectionRefusal !== '') {
    breaker.done('cancelled', 0, 0);
    return connectionRefusal;
  }
  return '';
}

const WHY: Record<Exclude<BreakerRefusal, ''>, string> = {
  open: 'the circuit breaker is open',
  'max-requests': 'too many requests in flight (circuitBreaker.maxRequests)',
  'max-pending': 'too many requests waiting for a connection (circuitBreaker.maxPending)',
  'max-connections': 'too many upstream connections (circuitBreaker.maxConnections)',
};

/** The body of the 503 of a refused attempt: which limit, for which service. */
export function breakerBody(service: string, refusal: Exclude<BreakerRefusal, ''>): string {
  return `503 Service Unavailable: ${WHY[refusal]} for service ${service}\n`;
}

/** The 503 of a refused attempt, with Retry-After and a body that says which limit. */
export function breakerResponse(service: string, refusal: Exclude<BreakerRefusal, ''>, retryAfterSeconds: number, close: boolean): string {
  const body = breakerBody(service, refusal);
  return (
    'HTTP/1.1 503 Service Unavailable\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    `Retry-After: ${retryAfterSeconds}\r\n` +
    `X-Fulcrum-Circuit: ${refusal}\r\n` +
    (close ? 'Connection: close\r\n' : '') +
    '\r\n' +
    body
  );
}
