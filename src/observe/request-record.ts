// Counting one answered request: its series in /metrics and its access log line. Every path that
// answers an HTTP request (forwarded over HTTP/1.1 or HTTP/2, answered by a middleware, or refused
// by Fulcrum before any route: a malformed head, 404, 421, the https redirect) ends here.
import type { Backend } from '../pool/backend.js';
import type { LoggedAttempt, LoggedConnection, LoggedRequest } from './access-fields.js';
import type { Observers } from './observers.js';
import type { ListenerStats, RouteStats } from './traffic-stats.js';

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
  connection: LoggedConnection | null = null,
  attempt: LoggedAttempt | null = null,
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
    reason: '',
    connection,
    attempt,
  });
}

/**
 * A request Fulcrum answered before any route. `request` null: the head itself was refused (what is
 * known is logged: client, listener, status, reason) and the listener's `refused` counter counts it;
 * with a parsed request (404, 421, the https redirect) only the log line is written.
 */
export function recordRefusal(
  observers: Observers,
  listener: ListenerStats,
  connection: LoggedConnection,
  request: LoggedRequest | null,
  clientIp: string,
  protocol: string,
  status: number,
  reason: string,
  bytesIn: number,
  bytesOut: number,
): void {
  if (request === null) listener.refused++;
  const accessLog = observers.accessLog;
  if (accessLog === null) return;
  accessLog.request({
    listener: listener.listener,
    route: '',
    service: '',
    backend: null,
    clientIp,
    protocol,
    head: request,
    status,
    durationMs: 0,
    bytesIn,
    bytesOut,
    reason,
    connection,
    attempt: null,
  });
}

/** The protocol name the access log shows for an HTTP/1.x request. */
export function h1Protocol(version: number): string {
  return version === 11 ? 'HTTP/1.1' : 'HTTP/1.0';
}
