// HTTP/2 sessions to the backends of `protocol: h2` services: one multiplexed session per
// backend, opened on first use and replaced when it closes or receives a GOAWAY.
import http2 from 'node:http2';
import { formatHostPort } from '../../config/net.js';
import type { ServiceConfig } from '../../config/types.js';
import type { Backend } from '../../pool/backend.js';
import { backendTlsOptions } from '../../tls/client-options.js';

/** A backend's session and whether its connection is up (streams sent before that wait in it). */
export interface UpstreamSession {
  readonly session: http2.ClientHttp2Session;
  connected: boolean;
}

const sessions = new WeakMap<Backend, UpstreamSession>();

/** The session to use for a new stream to `backend`. */
export function upstreamSession(backend: Backend, config: ServiceConfig): UpstreamSession {
  const current = sessions.get(backend);
  if (current !== undefined && !current.session.closed && !current.session.destroyed) return current;
  const authority = formatHostPort({ host: backend.host, port: backend.port });
  const session =
    config.tls === undefined
      ? http2.connect(`http://${authority}`)
      : http2.connect(`https://${authority}`, { ...backendTlsOptions(config.tls, backend.host), ALPNProtocols: ['h2'] });
  const entry: UpstreamSession = { session, connected: false };
  sessions.set(backend, entry);
  const forget = (): void => {
    if (sessions.get(backend) === entry) sessions.delete(backend);
  };
  const timer = setTimeout(() => session.destroy(new Error('connect timeout')), config.timeouts.connect);
  timer.unref();
  session.once('connect', () => {
    clearTimeout(timer);
    entry.connected = true;
    // idle sessions must not keep the process alive, nor a draining backend's connections open
    session.unref();
  });
  session.on('error', () => {}); // each stream sees its own failure
  session.once('goaway', forget);
  session.once('close', () => {
    clearTimeout(timer);
    forget();
  });
  session.setTimeout(config.keepAlive.idleTimeout, () => {
    forget();
    session.close(); // graceful: streams still open finish first
  });
  return entry;
}

/** Close a backend's session (a drain); open streams finish. */
export function closeUpstreamSession(backend: Backend): void {
  const entry = sessions.get(backend);
  if (entry === undefined) return;
  sessions.delete(backend);
  entry.session.close();
}
