// A tcp listener: every accepted connection becomes a TcpSession to a backend of the service.
// A reload swaps what new connections start with (service, idle timeout, PROXY protocol, limit)
// and keeps the socket; live sessions go on with what they started with.
import type { ListenerStats } from '../observe/traffic-stats.js';
import type net from 'node:net';
import type { TcpListenerConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import type { Service } from '../pool/service.js';
import { PROXY_HEADER_TIMEOUT } from '../net/listen.js';
import { acceptProxyHeader, socketAddresses } from '../net/proxy-accept.js';
import { unmapped, type ProxiedAddresses } from '../net/proxy-protocol.js';
import { StreamListener, type StreamListenerState, trustedProxies } from './stream-listener.js';
import { TcpSession } from './tcp-proxy.js';

/** What a new connection starts with; replaced whole by a reload. */
interface TcpListenerState extends StreamListenerState<TcpListenerConfig> {
  readonly service: Service;
}

export class TcpListener extends StreamListener<TcpListenerConfig, TcpListenerState> {
  constructor(
    config: TcpListenerConfig,
    services: ReadonlyMap<string, Service>,
    private readonly logger: Logger,
    stats: ListenerStats | null = null,
  ) {
    super(config, services, stats);
  }

  protected buildState(config: TcpListenerConfig, services: ReadonlyMap<string, Service>): TcpListenerState {
    const service = services.get(config.service);
    if (service === undefined) throw new Error(`listener ${config.name}: unknown service '${config.service}'`);
    return { config, service, trusted: trustedProxies(config) };
  }

  protected accept(socket: net.Socket): void {
    const state = this.state;
    if (state.trusted === null) {
      const addresses = state.service.config.proxyProtocol ? socketAddresses(socket) : null;
      this.startSession(state, socket, unmapped(socket.remoteAddress ?? ''), addresses, null);
      return;
    }
    acceptProxyHeader(
      socket,
      state.trusted,
      PROXY_HEADER_TIMEOUT,
      ({ addresses, rest }) => this.startSession(state, socket, addresses.source.ip, addresses, rest),
      (reason) => this.logger.info({ listener: state.config.name, client: socket.remoteAddress }, `connection refused: ${reason}`),
    );
  }

  private startSession(state: TcpListenerState, socket: net.Socket, clientIp: string, addresses: ProxiedAddresses | null, initial: Buffer | null): void {
    new TcpSession(socket, state.service, clientIp, addresses, this.live, initial, state.config.timeouts.idle).start();
  }
}
