// The live sessions of a tcp or tls listener: the set a session joins and leaves, the closing of
// those whose backend was removed, and the ends of the listener (close now, or within a grace).
import type { Service } from '../pool/service.js';
import { RemovedBackendSweep } from './removed-backends.js';
import type { ListenerStats } from '../observe/traffic-stats.js';
import type { TcpSession, TcpSessionHost } from './tcp-proxy.js';

export class LiveTcpSessions implements TcpSessionHost {
  readonly sessions = new Set<TcpSession>();
  private readonly sweep: RemovedBackendSweep<TcpSession>;

  constructor(
    services: ReadonlyMap<string, Service>,
    /** sessions started (accepted) and live (active), for /metrics; null: not counted */
    private readonly stats: ListenerStats | null = null,
  ) {
    this.sweep = new RemovedBackendSweep(() => this.sessions, destroySession, services);
  }

  join(session: TcpSession): void {
    this.sessions.add(session);
    const stats = this.stats;
    if (stats !== null) {
      stats.accepted++;
      stats.active++;
    }
  }

  leave(session: TcpSession): void {
    if (this.sessions.delete(session) && this.stats !== null) this.stats.active--;
  }

  get size(): number {
    return this.sessions.size;
  }

  start(): void {
    this.sweep.start();
  }

  /** After a reload: the services in effect now (a session's service gone from them was removed). */
  setServices(services: ReadonlyMap<string, Service>): void {
    this.sweep.setServices(services);
  }

  /** Close every session now. */
  destroyAll(): void {
    this.stop();
    for (const session of this.sessions) session.destroy();
  }

  /** No more closing of sessions on removed backends (the listener is gone). */
  stop(): void {
    this.sweep.stop();
  }
}

function destroySession(session: TcpSession): void {
  session.destroy();
}
