// A tcp listener: every accepted connection becomes a TcpSession to a backend of the service.
// A reload swaps what new connections start with (service, idle timeout, PROXY protocol, limit)
// and keeps the socket; live sessions go on with what they started with.
import net from 'node:net';
import type { TcpListenerConfig } from '../config/types.js';
import type { RunningListener } from '../listener-factory.js';
import { CidrSet } from '../net/cidr.js';
import type { Logger } from '../observe/logger.js';
import type { Service } from '../pool/service.js';
import { PROXY_HEADER_TIMEOUT, applyMaxConnections, listenOn } from '../net/listen.js';
import { acceptProxyHeader, socketAddresses } from '../net/proxy-accept.js';
import { unmapped, type ProxiedAddresses } from '../net/proxy-protocol.js';
import { LiveTcpSessions } from './live-tcp-sessions.js';
import { TcpSession } from './tcp-proxy.js';

/** What a new connection starts with; replaced whole by a reload. */
interface TcpListenerState {
  readonly config: TcpListenerConfig;
  readonly service: Service;
  readonly trusted: CidrSet | null;
}

export class TcpListener implements RunningListener {
  readonly server: net.Server;
  readonly live: LiveTcpSessions;
  private state: TcpListenerState;

  constructor(
    config: TcpListenerConfig,
    services: ReadonlyMap<string, Service>,
    private readonly logger: Logger,
  ) {
    this.state = buildState(config, services);
    this.live = new LiveTcpSessions(services);
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, this.onConnection);
    applyMaxConnections(this.server, config);
  }

  async listen(): Promise<net.AddressInfo> {
    const address = await listenOn(this.server, this.state.config);
    this.live.start();
    return address;
  }

  prepareUpdate(config: TcpListenerConfig, services: ReadonlyMap<string, Service>): () => void {
    const next = buildState(config, services);
    return () => {
      this.state = next;
      this.live.setServices(services);
      applyMaxConnections(this.server, config);
    };
  }

  /** Stop accepting; live sessions go on until they end, those left at `graceMs` are closed. */
  shutdown(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.live.destroyAll(), graceMs).unref();
      this.server.close(() => {
        clearTimeout(timer);
        this.live.stop();
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.live.destroyAll();
    });
  }

  private readonly onConnection = (socket: net.Socket): void => {
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
  };

  private startSession(state: TcpListenerState, socket: net.Socket, clientIp: string, addresses: ProxiedAddresses | null, initial: Buffer | null): void {
    new TcpSession(socket, state.service, clientIp, addresses, this.live, initial, state.config.timeouts.idle).start();
  }
}

function buildState(config: TcpListenerConfig, services: ReadonlyMap<string, Service>): TcpListenerState {
  const service = services.get(config.service);
  if (service === undefined) throw new Error(`listener ${config.name}: unknown service '${config.service}'`);
  return { config, service, trusted: config.acceptProxyProtocol ? new CidrSet(config.acceptProxyProtocol.trusted) : null };
}
