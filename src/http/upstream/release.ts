import type { UpstreamKeepAlive } from '../../config/types.js';
import type { UpstreamConnection } from './connection.js';
import { upstreamPool } from './pool.js';

/** An exchange is done with `conn`: back to its backend's pool when it can carry another request, else closed. */
export function releaseConnection(conn: UpstreamConnection, keepAlive: UpstreamKeepAlive, reusable: boolean): void {
  if (!reusable) return dropConnection(conn);
  // paused by backpressure on the last piece: the next user must find it reading
  if (conn.socket.isPaused()) conn.socket.resume();
  upstreamPool(conn.backend, keepAlive).release(conn);
}

/** Close `conn` without telling its user (who is giving it up). */
export function dropConnection(conn: UpstreamConnection): void {
  conn.user = null;
  conn.destroy();
}
