// Counting one answered request: its series in /metrics and its access log line. Every path that
// answers an HTTP request (forwarded over HTTP/1.1 or HTTP/2, or answered by a middleware) ends here.
import type { Backend } from '../pool/backend.js';
import type { LoggedRequest } from './access-log.js';
import type { Observers } from './observers.js';
import type { RouteStats } from './traffic-stats.js';

/** `status` 0 means no response was sent; `backend` null means Fulcrum answered by itself. */
export function recordRequest(
  observers: Observers,
  route: RouteStats,
  backend: Backend | null,
  request: LoggedRequest,
  clientIp: string,
  protocol: string,
  status: number,
  durationMs: number,
  bytesIn: number,
  bytesOut: number,
): void {
  route.counters(backend).record(status, durationMs, bytesIn, bytesOut);
  const accessLog = observers.accessLog;
  if (accessLog === null) return;
  accessLog.request({
    listener: route.listener,
    route: route.route,
    service: route.service,
    backend,
    clientIp,
    protocol,
    head: request,
    status,
    durationMs,
    bytesIn,
    bytesOut,
  });
}

/** The protocol name the access log shows for an HTTP/1.x request. */
export function h1Protocol(version: number): string {
  return version === 11 ? 'HTTP/1.1' : 'HTTP/1.0';
}
