// A tcp listener: every accepted connection becomes a TcpSession to a backend of the service.
import net from 'node:net';
import type { ListenerConfig, TcpListenerConfig } from '../config/types.js';
import type { RunningListener } from '../listener-factory.js';
import { CidrSet } from '../net/cidr.js';
import type { Logger } from '../observe/logger.js';
import type { Service } from '../pool/service.js';
import { acceptProxyHeader, socketAddresses } from './proxy-accept.js';
import { unmapped, type ProxiedAddresses } from './proxy-protocol.js';
import { TcpSession, type TcpSessionHost } from './tcp-proxy.js';

/** How long a trusted proxy gets to send its PROXY header. */
export const PROXY_HEADER_TIMEOUT = 5_000;

export class TcpListener implements RunningListener, TcpSessionHost {
  readonly server: net.Server;
  readonly sessions = new Set<TcpSession>();
  readonly idleMs: number;
  private readonly service: Service;
  private readonly trusted: CidrSet | null;

  constructor(
    private readonly config: TcpListenerConfig,
    services: ReadonlyMap<string, Service>,
    private readonly logger: Logger,
  ) {
    const service = services.get(config.service);
    if (service === undefined) throw new Error(`listener ${config.name}: unknown service '${config.service}'`);
    this.service = service;
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
      for (const session of this.sessions) session.destroy();
    });
  }

  private readonly onConnection = (socket: net.Socket): void => {
    if (this.trusted === null) {
      this.startSession(socket, unmapped(socket.remoteAddress ?? ''), this.service.config.proxyProtocol ? socketAddresses(socket) : null, null);
      return;
    }
    acceptProxyHeader(
      socket,
      this.trusted,
      PROXY_HEADER_TIMEOUT,
      ({ addresses, rest }) => this.startSession(socket, addresses.source.ip, addresses, rest),
      (reason) => this.logger.info({ listener: this.config.name, client: socket.remoteAddress }, `connection refused: ${reason}`),
    );
  };

  private startSession(socket: net.Socket, clientIp: string, addresses: ProxiedAddresses | null, initial: Buffer | null): void {
    new TcpSession(socket, this.service, clientIp, addresses, this, initial).start();
  }
}

export function listenOn(server: net.Server, config: ListenerConfig): Promise<net.AddressInfo> {
  const { host, port } = config.address;
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port, backlog: 1024 }, () => {
      server.off('error', onError);
      resolve(server.address() as net.AddressInfo);
    });
  });
}
