import type { UpstreamKeepAlive } from '../../config/types.js';
import type { Backend } from '../../pool/backend.js';
import type { BackendConnections } from '../../pool/backend-connections.js';
import type { UpstreamSessions } from '../h2/upstream-sessions.js';
import type { UpstreamPool } from './pool.js';

/**
 * A backend's HTTP connections: its HTTP/1.1 keep-alive pool and its HTTP/2 sessions, each
 * created on first use (by `upstreamPool` and `upstreamSession`). Held by the Backend itself
 * (`backend.connections`), so whatever reaches the Service reaches them.
 */
export class HttpConnections implements BackendConnections {
  http1: UpstreamPool | null = null;
  http2: UpstreamSessions | null = null;

  get openCount(): number {
    return (this.http1 === null ? 0 : this.http1.openCount) + (this.http2 === null ? 0 : this.http2.openCount);
  }

  /** A new request can start at once on a connection already open: an idle socket, a connected session. */
  get ready(): boolean {
    return (this.http1 !== null && this.http1.idleCount > 0) || (this.http2 !== null && this.http2.connected);
  }

  /** A new request would share a session that is open or connecting: it opens no connection of its own. */
  get shared(): boolean {
    return this.http2 !== null && this.http2.live;
  }

  closeIdle(): void {
    this.http1?.closeIdle();
    this.http2?.closeIdle();
  }

  destroyAll(): void {
    this.http1?.destroyAll();
    this.http2?.destroyAll();
  }

  applyKeepAlive(keepAlive: UpstreamKeepAlive): void {
    this.http1?.applyKeepAlive(keepAlive);
    this.http2?.applyKeepAlive(keepAlive);
  }
}

/**
 * The HTTP connections of `backend`, created on first use. Only HTTP code sets
 * `backend.connections`, so what is there is an HttpConnections.
 */
export function httpConnections(backend: Backend): HttpConnections {
  return (backend.connections ??= new HttpConnections()) as HttpConnections;
}
