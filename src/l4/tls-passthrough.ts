// A tls listener: reads the ClientHello without terminating TLS, picks a service by SNI and
// ALPN, and then passes every byte through untouched (the ClientHello included).
import net from 'node:net';
import type { TlsListenerConfig } from '../config/types.js';
import type { RunningListener } from '../listener-factory.js';
import { CidrSet } from '../net/cidr.js';
import type { Logger } from '../observe/logger.js';
import type { Service } from '../pool/service.js';
import { acceptProxyHeader, socketAddresses } from './proxy-accept.js';
import { unmapped, type ProxiedAddresses } from './proxy-protocol.js';
import { MAX_CLIENT_HELLO, parseClientHello } from './sni-peek.js';
import { PROXY_HEADER_TIMEOUT, listenOn } from './tcp-listener.js';
import { TcpSession, type TcpSessionHost } from './tcp-proxy.js';
import { TlsRouter } from './tls-routes.js';

export class TlsPassthroughListener implements RunningListener, TcpSessionHost {
  readonly server: net.Server;
  readonly sessions = new Set<TcpSession>();
  readonly idleMs: number;
  /** connections still sending their ClientHello */
  private readonly peeking = new Set<net.Socket>();
  private readonly router: TlsRouter;
  private readonly trusted: CidrSet | null;

  constructor(
    private readonly config: TlsListenerConfig,
    services: ReadonlyMap<string, Service>,
    private readonly logger: Logger,
  ) {
    const resolve = (name: string): Service => {
      const service = services.get(name);
      if (service === undefined) throw new Error(`listener ${config.name}: unknown service '${name}'`);
      return service;
    };
    this.router = new TlsRouter(config.routes, config.service === undefined ? undefined : resolve(config.service), resolve);
    this.idleMs = config.timeouts.idle;
    this.trusted = config.acceptProxyProtocol ? new CidrSet(config.acceptProxyProtocol.trusted) : null;
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, this.onConnection);
    if (config.maxConnections > 0) this.server.maxConnections = config.maxConnections;
  }

  listen(): Promise<net.AddressInfo> {
    return listenOn(this.server, this.config);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.peeking) socket.destroy();
      for (const session of this.sessions) session.destroy();
    });
  }

  private readonly onConnection = (socket: net.Socket): void => {
    if (this.trusted === null) {
      this.peek(socket, socketAddresses(socket), null);
      return;
    }
    acceptProxyHeader(
      socket,
      this.trusted,
      PROXY_HEADER_TIMEOUT,
      ({ addresses, rest }) => this.peek(socket, addresses, rest),
      (reason) => this.refused(socket, reason),
    );
  };

  /** Collects the ClientHello (bounded in size and time), then starts the session with it. */
  private peek(socket: net.Socket, addresses: ProxiedAddresses, already: Buffer | null): void {
    this.peeking.add(socket);
    let pending = already;
    const finish = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      this.peeking.delete(socket);
    };
    const fail = (reason: string): void => {
      finish();
      socket.destroy();
      this.refused(socket, reason);
    };
    const timer = setTimeout(() => fail('no complete ClientHello in time'), this.config.timeouts.clientHello);
    const onData = (chunk: Buffer | null): void => {
      if (chunk !== null) pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
      if (pending === null) return;
      const hello = parseClientHello(pending);
      if (hello.kind === 'incomplete') {
        if (pending.length > MAX_CLIENT_HELLO + 1024) fail('ClientHello too large');
        return;
      }
      if (hello.kind === 'error') {
        fail(`malformed ClientHello: ${hello.reason}`);
        return;
      }
      const service = this.router.match(hello.sni, hello.alpn);
      if (service === undefined) {
        fail(`no route for SNI ${hello.sni ?? '(none)'}${hello.alpn.length > 0 ? ` ALPN ${hello.alpn.join(',')}` : ''}`);
        return;
      }
      finish();
      socket.pause();
      const clientIp = unmapped(addresses.source.ip);
      new TcpSession(socket, service, clientIp, service.config.proxyProtocol ? addresses : null, this, pending).start();
    };
    const onEnd = (): void => fail('connection closed before the ClientHello');
    const onClose = (): void => finish();
    socket.on('error', noop);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.resume();
    if (pending !== null) onData(null);
  }

  private refused(socket: net.Socket, reason: string): void {
    this.logger.info({ listener: this.config.name, client: socket.remoteAddress }, `connection refused: ${reason}`);
  }
}

function noop(): void {}
