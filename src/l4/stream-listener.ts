// What tcp and tls-passthrough listeners share: a server that hands paused sockets over, the state
// new connections start with (swapped whole by a reload, the socket kept) and the live sessions.
import type { ListenerStats } from '../observe/traffic-stats.js';
import net from 'node:net';
import type { TcpListenerConfig, TlsListenerConfig } from '../config/types.js';
import type { RunningListener } from '../listener-factory.js';
import { CidrSet } from '../net/cidr.js';
import { applyMaxConnections, listenOn } from '../net/listen.js';
import type { Service } from '../pool/service.js';
import { LiveTcpSessions } from './live-tcp-sessions.js';

type StreamListenerConfig = TcpListenerConfig | TlsListenerConfig;

/** What every state holds: the config, and who may send a PROXY header (null: nobody). */
export interface StreamListenerState<C extends StreamListenerConfig> {
  readonly config: C;
  readonly trusted: CidrSet | null;
}

export abstract class StreamListener<C extends StreamListenerConfig, S extends StreamListenerState<C>> implements RunningListener {
  readonly server: net.Server;
  readonly live: LiveTcpSessions;
  protected state: S;

  constructor(config: C, services: ReadonlyMap<string, Service>, stats: ListenerStats | null) {
    this.state = this.buildState(config, services);
    this.live = new LiveTcpSessions(services, stats);
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
    applyMaxConnections(this.server, config);
  }

  /** The state for `config` (throws on an unknown service: the reload is refused). */
  protected abstract buildState(config: C, services: ReadonlyMap<string, Service>): S;

  /** A new connection, paused. */
  protected abstract accept(socket: net.Socket): void;

  /** Connections not yet sessions (a ClientHello on its way): closed when the listener goes. */
  protected closeUnstarted(): void {}

  async listen(): Promise<net.AddressInfo> {
    const address = await listenOn(this.server, this.state.config);
    this.live.start();
    return address;
  }

  prepareUpdate(config: C, services: ReadonlyMap<string, Service>): () => void {
    const next = this.buildState(config, services);
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
      this.closeUnstarted();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.closeUnstarted();
      this.live.destroyAll();
    });
  }
}

/** Who may send a PROXY header on this listener; null when it accepts none. */
export function trustedProxies(config: StreamListenerConfig): CidrSet | null {
  return config.acceptProxyProtocol ? new CidrSet(config.acceptProxyProtocol.trusted) : null;
}
