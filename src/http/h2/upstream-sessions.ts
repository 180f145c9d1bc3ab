// HTTP/2 sessions to the backends of `protocol: h2` services: one multiplexed session per
// backend, opened on first use and replaced when it closes or receives a GOAWAY.
import http2 from 'node:http2';
import { formatHostPort } from '../../config/net.js';
import type { ServiceConfig, UpstreamKeepAlive } from '../../config/types.js';
import type { Backend } from '../../pool/backend.js';
import { backendTlsOptions } from '../../tls/client-options.js';
import { httpConnections } from '../upstream/http-connections.js';

/** A backend's session and whether its connection is up (streams sent before that wait in it). */
export interface UpstreamSession {
  readonly session: http2.ClientHttp2Session;
  connected: boolean;
  /** streams completed on it: a stream that fails on a session that worked may have met a stale connection */
  completed: number;
}

const ignore = (): void => {};

/**
 * The HTTP/2 sessions of one backend: the one new streams go to, and older ones still finishing
 * their streams after a GOAWAY. Every open session is kept here until it closes, so a drain, a
 * reload or close() reaches them all.
 */
export class UpstreamSessions {
  private current: UpstreamSession | null = null;
  private readonly open = new Set<http2.ClientHttp2Session>();

  constructor(private readonly backend: Backend) {}

  /** sessions open, connecting or finishing their streams */
  get openCount(): number {
    return this.open.size;
  }

  /** the session new streams go to is open or connecting */
  get live(): boolean {
    const current = this.current;
    return current !== null && !current.session.closed && !current.session.destroyed;
  }

  /** the session new streams go to is connected: a stream starts at once */
  get connected(): boolean {
    return this.live && this.current!.connected;
  }

  /** The session to use for a new stream: the current one, or a new one (`fresh`: always a new one). */
  session(config: ServiceConfig, fresh = false): UpstreamSession {
    const current = this.current;
    if (!fresh && current !== null && !current.session.closed && !current.session.destroyed) return current;
    return this.connect(config);
  }

  /**
   * GOAWAY and close once the backend has no stream in flight. Its `inflight` counts every
   * stream on these sessions (a node:http2 session does not say how many it has), so that is
   * the moment none of them carries one: close() then ends the session at once.
   */
  closeIdle(): void {
    if (this.backend.inflight !== 0) return;
    this.current = null;
    for (const session of this.open) session.close();
  }

  destroyAll(): void {
    this.current = null;
    for (const session of this.open) session.destroy();
  }

  /** The idle timeout of open sessions; maxIdle has no meaning for one multiplexed session. */
  applyKeepAlive(keepAlive: UpstreamKeepAlive): void {
    for (const session of this.open) session.setTimeout(keepAlive.idleTimeout);
  }

  private connect(config: ServiceConfig): UpstreamSession {
    const backend = this.backend;
    const authority = formatHostPort({ host: backend.host, port: backend.port });
    const session =
      config.tls === undefined ? http2.connect(`http://${authority}`) : http2.connect(`https://${authority}`, { ...backendTlsOptions(config.tls, backend.host), ALPNProtocols: ['h2'] });
    const entry: UpstreamSession = { session, connected: false, completed: 0 };
    this.current = entry;
    this.open.add(session);
    const forget = (): void => {
      if (this.current === entry) this.current = null;
    };
    const timer = setTimeout(() => session.destroy(new Error('connect timeout')), config.timeouts.connect);
    timer.unref();
    session.once('connect', () => {
      clearTimeout(timer);
      entry.connected = true;
      // idle sessions must not keep the process alive
      session.unref();
    });
    session.on('error', ignore); // each stream sees its own failure
    session.once('goaway', forget);
    session.once('close', () => {
      clearTimeout(timer);
      forget();
      this.open.delete(session);
    });
    session.setTimeout(config.keepAlive.idleTimeout);
    session.on('timeout', () => {
      forget();
      session.close(); // graceful: streams still open finish first
    });
    return entry;
  }
}

/** The session to use for a new stream to `backend`; `fresh`: a new one (the current one turned out stale). */
export function upstreamSession(backend: Backend, config: ServiceConfig, fresh = false): UpstreamSession {
  const connections = httpConnections(backend);
  return (connections.http2 ??= new UpstreamSessions(backend)).session(config, fresh);
}
