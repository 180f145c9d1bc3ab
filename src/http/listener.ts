import { resolveRouteSettings } from '../config/route-settings.js';
import type net from 'node:net';
import type { RoutedListenerConfig } from '../config/types.js';
import { CidrSet } from '../net/cidr.js';
import { listenOptions } from '../net/listen.js';
import type { Service } from '../pool/service.js';
import { ClientConnection } from './client-connection.js';
import type { HttpParseError } from './h1/parse-error.js';
import type { ConnectionInfo } from '../net/connection-info.js';
import type { HttpListenerState, RouteTarget } from './listener-state.js';
import { createListenerServer, hstsField, type ServerLog } from '../tls/listener-server.js';
import { silentLogger } from '../observe/logger.js';
import { Router } from './router.js';
import { createObservers, type Observers } from '../observe/observers.js';
import { MemoryStore } from '../state/memory-store.js';
import type { StateStore } from '../state/state-store.js';
import { compileChain, type CompiledChain } from './middleware/chain.js';
import type { CustomMiddlewares } from './middleware/custom.js';
import { H2Frontend } from './h2/frontend.js';

/** An http listener: accepts connections and hands each to a ClientConnection. */
export class HttpListener {
  readonly server: net.Server;
  state: HttpListenerState;
  private readonly disposeServer: () => void;
  /** HTTP/2 (ALPN h2, or h2c prior knowledge) when the listener's http2 is enabled */
  private readonly h2: H2Frontend | null;

  constructor(
    config: RoutedListenerConfig,
    services: ReadonlyMap<string, Service>,
    onRefusal?: (error: HttpParseError, peerIp: string) => void,
    log?: ServerLog,
    private readonly observers: Observers = createObservers(),
    private readonly store: StateStore = new MemoryStore(),
    /** middlewares registered by a library embedder */
    private readonly custom?: CustomMiddlewares,
  ) {
    this.state = buildState(config, services, new Set(), observers, store, onRefusal, custom);
    this.h2 = config.http2?.enabled ? new H2Frontend(() => this.state, config.http2) : null;
    const created = createListenerServer(config, this.onConnection, log ?? silentLogger);
    this.server = created.server;
    this.disposeServer = created.dispose;
    if (config.maxConnections > 0) this.server.maxConnections = config.maxConnections;
  }

  listen(): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(listenOptions(this.state.config), () => {
        this.server.off('error', onError);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /**
   * Build the state for a new config of this listener (same address and protocol) and return
   * the function that swaps it in. Connections read their state per request, so the swap is
   * atomic for them: a request runs on one state or the other, never a mix.
   */
  prepareUpdate(config: RoutedListenerConfig, services: ReadonlyMap<string, Service>): () => void {
    const current = this.state;
    const next = buildState(config, services, current.connections, this.observers, this.store, current.onRefusal, this.custom);
    return () => {
      // in place: open connections hold this object
      Object.assign(current, next);
      if (config.http2 !== undefined) this.h2?.update(config.http2);
      this.server.maxConnections = config.maxConnections > 0 ? config.maxConnections : Infinity;
    };
  }

  /** Stop accepting; idle connections close now, the others after their response, all by `graceMs`. */
  shutdown(graceMs: number): Promise<void> {
    this.disposeServer();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const conn of this.state.connections) conn.destroy();
        this.h2?.destroy();
      }, graceMs).unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const conn of this.state.connections) conn.closeWhenIdle();
      this.h2?.closeGracefully();
    });
  }

  /** Stop accepting and close every connection now. */
  close(): Promise<void> {
    this.disposeServer();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const conn of this.state.connections) conn.destroy();
      this.h2?.destroy();
    });
  }

  private readonly onConnection = (socket: net.Socket, info?: ConnectionInfo): void => {
    if (this.h2 !== null) this.h2.accept(socket, info, this.onHttp1Connection);
    else this.onHttp1Connection(socket, info);
  };

  private readonly onHttp1Connection = (socket: net.Socket, info?: ConnectionInfo): void => {
    const state = this.state;
    state.connections.add(new ClientConnection(socket, state, info));
  };
}

function buildState(
  config: RoutedListenerConfig,
  services: ReadonlyMap<string, Service>,
  connections: Set<ClientConnection>,
  observers: Observers,
  store: StateStore,
  onRefusal?: (error: HttpParseError, peerIp: string) => void,
  custom?: CustomMiddlewares,
): HttpListenerState {
  let index = 0;
  const router = new Router<RouteTarget>(config.routes, (route) => {
    const service = services.get(route.service);
    if (!service) throw new Error(`listener ${config.name}: unknown service '${route.service}'`);
    const position = index++;
    // the route's name when it has one, else its index: the `route` label of its metrics and log lines
    const routeId = route.name ?? String(position);
    const stats = observers.stats.route(config.name, routeId, route.service);
    let middlewares: CompiledChain | null;
    try {
      middlewares = compileChain(route.chain, { store, routeId: config.name + '/' + routeId, stats, custom });
    } catch (error) {
      throw new Error(`listener ${config.name}, routes[${position}]: ${(error as Error).message}`);
    }
    // normalize resolved them; a config built by hand gets them here
    const settings = route.settings ?? resolveRouteSettings(route, service.config.timeouts, config.limits);
    return { service, stats, middlewares, settings };
  });
  return {
    config,
    router,
    trusted: new CidrSet(config.trustedProxies),
    proto: config.protocol === 'https' ? 'https' : 'http',
    connections,
    stats: observers.stats.listener(config.name),
    observers,
    store,
    onRefusal,
    redirectToHttpsPort: config.protocol === 'http' ? (config.redirectToHttps?.port ?? 0) : 0,
    hsts: hstsField(config),
  };
}
