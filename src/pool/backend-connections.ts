import type { UpstreamKeepAlive } from '../config/types.js';

/**
 * The connections the protocol code keeps open to one backend (HTTP/1.1 keep-alive sockets and
 * the WebSocket tunnels riding on them, HTTP/2 sessions), as pool/ sees them: counted and closed
 * without knowing the protocol. The protocol code creates it on first use and sets it on the
 * Backend, so a reload, a drain or close() reaches it from the Service.
 */
export interface BackendConnections {
  /** connections open to the backend, idle or in use (connecting ones included) */
  readonly openCount: number;
  /** a new request can start at once on a connection already open (an idle socket, a connected session) */
  readonly ready: boolean;
  /** a new request would share a multiplexed connection open or connecting: it opens none of its own */
  readonly shared: boolean;
  /**
   * Close what carries no request now: idle HTTP/1.1 sockets at once; an HTTP/2 session once
   * the backend has no stream in flight (GOAWAY, then close). Those in use are left alone.
   */
  closeIdle(): void;
  /** Close every connection now, in use or not. */
  destroyAll(): void;
  /** A reload changed the service's keepAlive: applies to the connections kept idle now and later. */
  applyKeepAlive(keepAlive: UpstreamKeepAlive): void;
}
