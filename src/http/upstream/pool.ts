import type { UpstreamKeepAlive } from '../../config/types.js';
import type { Backend } from '../../pool/backend.js';
import { deadlines } from '../../net/deadlines.js';
import { UpstreamConnection, type UpstreamUser } from './connection.js';
import { httpConnections } from './http-connections.js';

/**
 * Idle keep-alive connections to one backend, most recently used first (warm sockets,
 * and the cold ones age out). Idle sockets close after `idleTimeout`, which stays below
 * the usual backend keep-alive of 5 s so that the backend is not the one to close.
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  /** every open connection, idle or in use: a drain closes them all at its timeout */
  private readonly open = new Set<UpstreamConnection>();

  constructor(
    readonly backend: Backend,
    private keepAlive: UpstreamKeepAlive,
  ) {}

  /**
   * A reload changed keepAlive: idle sockets get the new timeout counted from when they went
   * idle, and the oldest of them close beyond the new maxIdle.
   */
  applyKeepAlive(keepAlive: UpstreamKeepAlive): void {
    const shift = keepAlive.idleTimeout - this.keepAlive.idleTimeout;
    this.keepAlive = keepAlive;
    const idle = this.idle;
    if (shift !== 0) for (const conn of idle) conn.deadline += shift;
    if (idle.length > keepAlive.maxIdle) for (const conn of idle.splice(0, idle.length - keepAlive.maxIdle)) conn.destroy();
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** connections open to the backend, idle or in use */
  get openCount(): number {
    return this.open.size;
  }

  /** An idle connection handed to `user`, or a new one that is connecting (check `connected`). */
  acquire(user: UpstreamUser): UpstreamConnection {
    const idle = this.idle;
    while (idle.length > 0) {
      const conn = idle.pop()!;
      if (conn.closed || conn.socket.destroyed) continue;
      conn.user = user;
      conn.deadline = 0;
      return conn;
    }
    return this.connect(user);
  }

  /** Always a new connection: used to retry after a reused socket turned out stale. */
  connect(user: UpstreamUser): UpstreamConnection {
    const conn = new UpstreamConnection(this.backend, this.forget, user);
    this.open.add(conn);
    return conn;
  }

  /** Back from an exchange that ended cleanly with a keep-alive response. */
  release(conn: UpstreamConnection): void {
    conn.user = null;
    conn.reused = true;
    if (conn.closed || conn.private || this.idle.length >= this.keepAlive.maxIdle || this.backend.draining) {
      conn.destroy();
      return;
    }
    conn.deadline = deadlines.at(this.keepAlive.idleTimeout);
    this.idle.push(conn);
  }

  /** Close the idle connections; those in use finish their exchange (and close then if the backend drains). */
  closeIdle(): void {
    for (const conn of this.idle.splice(0)) conn.destroy();
  }

  /** Close every connection, in use or not: the end of a drain timeout. */
  destroyAll(): void {
    this.closeIdle();
    for (const conn of [...this.open]) conn.destroy();
  }

  private readonly forget = (conn: UpstreamConnection): void => {
    this.open.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
  };
}

/** The HTTP/1.1 connection pool of a backend, created on first use with `keepAlive` (a reload updates it). */
export function upstreamPool(backend: Backend, keepAlive: UpstreamKeepAlive): UpstreamPool {
  const connections = httpConnections(backend);
  return connections.http1 ?? (connections.http1 = new UpstreamPool(backend, keepAlive));
}
