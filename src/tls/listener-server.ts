// The accepting server of an http or https listener: plain net for http, TLS termination for
// https (certificates by SNI, client certificates), and in front of either, when the listener
// has `acceptProxyProtocol`, the reading of the PROXY header from a trusted proxy.
import net from 'node:net';
import tls from 'node:tls';
import type { RoutedListenerConfig } from '../config/types.js';
import type { ConnectionInfo } from '../net/connection-info.js';
import { acceptProxyHeader } from '../net/proxy-accept.js';
import { unmapped } from '../net/proxy-protocol.js';
import { PROXY_HEADER_TIMEOUT } from '../net/listen.js';
import { CidrSet } from '../net/cidr.js';
import { CertificateStore } from './certificate-store.js';
import { clientIdentity } from './client-identity.js';

export type ConnectionHandler = (socket: net.Socket, info?: ConnectionInfo) => void;

/** Where the server reports what a client never sees: refused handshakes, certificate reloads. */
export interface ServerLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface ListenerServer {
  /** the server that binds the listener's address */
  server: net.Server;
  /** stops watching certificate files */
  dispose(): void;
}

export function createListenerServer(config: RoutedListenerConfig, onConnection: ConnectionHandler, log: ServerLog): ListenerServer {
  const tlsConfig = config.protocol === 'https' ? config.tls : undefined;
  let inner: net.Server;
  let store: CertificateStore | null = null;
  /** real client addresses from PROXY headers, by the TCP peer ("ip port"), until the handshake is done */
  const proxied = new Map<string, string>();

  if (tlsConfig === undefined) {
    inner = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => onConnection(socket));
  } else {
    store = new CertificateStore(tlsConfig, {
      loaded: (cert, names) => log.info({ listener: config.name, cert, names }, 'certificate loaded'),
      error: (cert, error) => log.warn({ listener: config.name, cert, err: error.message }, 'certificate reload failed; the previous one stays in use'),
    });
    const clientAuth = tlsConfig.clientAuth;
    const server = tls.createServer(
      // not half-open: with it, a client gone during the handshake is never noticed (and TLS
      // clients end with close_notify, not a TCP half-close)
      // h2 first: the server's preference decides when a client offers both
      { ...store.serverOptions(config.http2?.enabled ? ['h2', 'http/1.1'] : ['http/1.1']), handshakeTimeout: config.timeouts.handshake },
      (socket: tls.TLSSocket) => {
        const key = peerKey(socket);
        const clientIp = proxied.get(key);
        if (clientIp !== undefined) proxied.delete(key);
        let certHeaders = '';
        if (clientAuth !== undefined) {
          const identity = clientIdentity(socket, clientAuth);
          if (!identity.ok) {
            log.info({ listener: config.name, client: clientIp ?? socket.remoteAddress }, `connection refused: ${identity.reason}`);
            socket.destroy();
            return;
          }
          certHeaders = identity.headers;
        }
        const sni = typeof socket.servername === 'string' ? socket.servername.toLowerCase() : '';
        onConnection(socket, { ...(clientIp !== undefined && { clientIp }), sni, certHeaders });
      },
    );
    server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) => {
      proxied.delete(peerKey(socket));
      log.info({ listener: config.name, client: socket.remoteAddress }, `TLS handshake failed: ${error.message}`);
      // with a listener on this event node leaves the socket open, a timed-out handshake included:
      // half a ClientHello was held until the client left (verified with a raw socket)
      socket.destroy();
    });
    store.attach(server);
    store.watch();
    inner = server;
  }

  const accept = config.acceptProxyProtocol;
  if (accept === undefined) return { server: inner, dispose: () => store?.close() };

  const trusted = new CidrSet(accept.trusted);
  const outer = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (socket) => {
    acceptProxyHeader(
      socket,
      trusted,
      PROXY_HEADER_TIMEOUT,
      ({ addresses, rest }) => {
        if (rest !== null) socket.unshift(rest);
        const clientIp = unmapped(addresses.source.ip);
        if (tlsConfig === undefined) {
          onConnection(socket, { clientIp, sni: '', certHeaders: '' });
          socket.resume();
        } else {
          proxied.set(peerKey(socket), clientIp);
          socket.once('close', () => proxied.delete(peerKey(socket)));
          inner.emit('connection', socket); // TLS reads what was unshifted first
        }
      },
      (reason) => log.info({ listener: config.name, client: socket.remoteAddress }, `connection refused: ${reason}`),
    );
  });
  return { server: outer, dispose: () => store?.close() };
}

function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress} ${socket.remotePort}`;
}

/** The Strict-Transport-Security field line of a listener ('' without hsts). */
export function hstsField(config: RoutedListenerConfig): string {
  const hsts = config.protocol === 'https' ? config.tls?.hsts : undefined;
  if (hsts === undefined) return '';
  return `Strict-Transport-Security: max-age=${Math.floor(hsts.maxAge / 1000)}${hsts.includeSubDomains ? '; includeSubDomains' : ''}${hsts.preload ? '; preload' : ''}\r\n`;
}
