// A tls listener: reads the ClientHello without terminating TLS, picks a service by SNI and
// ALPN, and then passes every byte through untouched (the ClientHello included). A reload swaps
// the routes, timeouts, PROXY protocol and limit for new connections and keeps the socket; a
// ClientHello that completes after the swap is routed by the new routes, live sessions go on.
import type { ListenerStats } from '../observe/traffic-stats.js';
import type net from 'node:net';
import type { TlsListenerConfig } from '../config/types.js';
import { PROXY_HEADER_TIMEOUT } from '../net/listen.js';
import { acceptProxyHeader, socketAddresses } from '../net/proxy-accept.js';
import { unmapped, type ProxiedAddresses } from '../net/proxy-protocol.js';
import type { Logger } from '../observe/logger.js';
import type { Service } from '../pool/service.js';
import { MAX_CLIENT_HELLO, parseClientHello } from './sni-peek.js';
import { TcpSession } from './tcp-proxy.js';
import { StreamListener, type StreamListenerState, trustedProxies } from './stream-listener.js';
import { TlsRouter } from './tls-routes.js';

/** What a new connection starts with; replaced whole by a reload. */
interface TlsListenerState extends StreamListenerState<TlsListenerConfig> {
  readonly router: TlsRouter;
}

export class TlsPassthroughListener extends StreamListener<TlsListenerConfig, TlsListenerState> {
  /** connections still sending their ClientHello */
  private readonly peeking = new Set<net.Socket>();

  constructor(
    config: TlsListenerConfig,
    services: ReadonlyMap<string, Service>,
    private readonly logger: Logger,
    stats: ListenerStats | null = null,
  ) {
    super(config, services, stats);
  }

  protected buildState(config: TlsListenerConfig, services: ReadonlyMap<string, Service>): TlsListenerState {
    const resolve = (name: string): Service => {
      const service = services.get(name);
      if (service === undefined) throw new Error(`listener ${config.name}: unknown service '${name}'`);
      return service;
    };
    const router = new TlsRouter(config.routes, config.service === undefined ? undefined : resolve(config.service), resolve);
    return { config, router, trusted: trustedProxies(config) };
  }

  /** Unfinished ClientHellos are closed when the listener goes. */
  protected override closeUnstarted(): void {
    for (const socket of this.peeking) socket.destroy();
  }

  protected accept(socket: net.Socket): void {
    const state = this.state;
    if (state.trusted === null) {
      this.peek(state, socket, socketAddresses(socket), null);
      return;
    }
    acceptProxyHeader(
      socket,
      state.trusted,
      PROXY_HEADER_TIMEOUT,
      ({ addresses, rest }) => this.peek(state, socket, addresses, rest),
      (reason) => this.refused(state, socket, reason),
    );
  }

  /** Collects the ClientHello (bounded in size and time), then starts the session with it. */
  private peek(accepted: TlsListenerState, socket: net.Socket, addresses: ProxiedAddresses, already: Buffer | null): void {
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
      this.refused(accepted, socket, reason);
    };
    const timer = setTimeout(() => fail('no complete ClientHello in time'), accepted.config.timeouts.clientHello);
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
      // the routes in effect now: a reload since the accept already applies to this connection
      const state = this.state;
      const service = state.router.match(hello.sni, hello.alpn);
      if (service === undefined) {
        fail(`no route for SNI ${hello.sni ?? '(none)'}${hello.alpn.length > 0 ? ` ALPN ${hello.alpn.join(',')}` : ''}`);
        return;
      }
      finish();
      socket.pause();
      const clientIp = unmapped(addresses.source.ip);
      const proxied = service.config.proxyProtocol ? addresses : null;
      new TcpSession(socket, service, clientIp, proxied, this.live, pending, state.config.timeouts.idle).start();
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

  private refused(state: TlsListenerState, socket: net.Socket, reason: string): void {
    this.logger.info({ listener: state.config.name, client: socket.remoteAddress }, `connection refused: ${reason}`);
  }
}

function noop(): void {}
