// The HTTP side of a service's circuit breaker: the 503 it answers (admission is in attempt/).
import type { BreakerRefusal } from '../pool/circuit-breaker.js';

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
