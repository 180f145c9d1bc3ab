// The HTTP side of a service's circuit breaker: asking it before an attempt, and the 503 it answers.
import type { BreakerRefusal, CircuitBreaker } from '../pool/circuit-breaker.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import { upstreamPool } from './upstream/pool.js';

/**
 * May an attempt go to `backend` now? Admits it (the caller then owes `breaker.done`) or says
 * why not. Connection limits are checked only when no idle pooled connection is there to reuse.
 */
export function admitAttempt(breaker: CircuitBreaker, service: Service, backend: Backend): BreakerRefusal {
  const refusal = breaker.admit();
  if (refusal !== '') return refusal;
  const limits = breaker.config;
  if ((limits.maxPending !== 0 || limits.maxConnections !== 0) && upstreamPool(backend, service.config.keepAlive).idleCount === 0) {
    const connectionRefusal = breaker.admitConnection(limits.maxConnections !== 0 ? openConnections(service) : 0);
    if (connectionRefusal !== '') {
      breaker.done('cancelled', 0, 0);
      return connectionRefusal;
    }
  }
  return '';
}

/** Upstream connections open to the service's backends: idle, busy and tunnels. */
function openConnections(service: Service): number {
  let open = 0;
  for (const backend of service.backends) open += upstreamPool(backend, service.config.keepAlive).openCount;
  return open;
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
