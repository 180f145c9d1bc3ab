import type { AddressInfo } from 'node:net';
import type { ListenerConfig, RoutedListenerConfig } from './config/types.js';
import { HttpListener } from './http/listener.js';
import { TcpListener } from './l4/tcp-listener.js';
import { sameValue } from './config/diff.js';
import { warnInsecureBackends } from './tls/client-options.js';
import { TlsPassthroughListener } from './l4/tls-passthrough.js';
import { UdpListener } from './l4/udp-proxy.js';
import type { Logger } from './observe/logger.js';
import type { CustomMiddlewares } from './http/middleware/custom.js';
import type { Service } from './pool/service.js';
import type { Observers } from './observe/observers.js';
import type { StateStore } from './state/state-store.js';

/** A bound listener of any protocol, as the runtime sees it. */
export interface RunningListener {
  listen(): Promise<AddressInfo>;
  /** stop accepting and close the connections it owns */
  close(): Promise<void>;
  /**
   * Config reload, same address and protocol: build the new state (may throw) and return the
   * swap. The socket is kept; what the new config changes applies to new connections (and, for
   * http, to the next request of an open one).
   */
  prepareUpdate(config: ListenerConfig, services: ReadonlyMap<string, Service>): () => void;
  /** stop accepting; let open connections finish, closing them all by `graceMs` (default: close) */
  shutdown?(graceMs: number): Promise<void>;
}

/** Builds the listener for a config entry; one case per protocol. */
export function createListener(
  config: ListenerConfig,
  services: ReadonlyMap<string, Service>,
  logger: Logger,
  observers?: Observers,
  store?: StateStore,
  custom?: CustomMiddlewares,
): RunningListener {
  switch (config.protocol) {
    case 'http':
    case 'https':
      warnInsecureBackends(config, services, logger);
      return new HttpListener(
        config,
        services,
        (error, peerIp) => logger.info({ listener: config.name, client: peerIp, status: error.status }, `request refused: ${error.reason}`),
        logger,
        observers,
        store,
        custom,
      );
    case 'tcp':
      warnInsecureBackends(config, services, logger);
      return new TcpListener(config, services, logger, observers?.stats.listener(config.name) ?? null);
    case 'tls':
      return new TlsPassthroughListener(config, services, logger, observers?.stats.listener(config.name) ?? null);
    case 'udp':
      return new UdpListener(config, services, logger, observers?.stats.listener(config.name) ?? null);
    default:
      throw new Error(`listener ${(config as ListenerConfig).name}: protocol '${(config as ListenerConfig).protocol}' is not supported yet`);
  }
}

/**
 * Whether a reload from `from` to `to` must bind the listener anew instead of swapping its state:
 * an http or https listener builds its accepting server from its TLS certificates, versions and
 * client authentication, the PROXY header reader in front (acceptProxyProtocol) and whether it
 * speaks HTTP/2, and its prepareUpdate swaps none of those. Every tcp, tls and udp setting swaps.
 */
export function needsRebind(from: ListenerConfig, to: ListenerConfig): boolean {
  if ((to.protocol !== 'http' && to.protocol !== 'https') || (from.protocol !== 'http' && from.protocol !== 'https')) return false;
  return !sameValue(serverTls(from), serverTls(to)) || !sameValue(from.acceptProxyProtocol, to.acceptProxyProtocol) || (from.http2?.enabled ?? false) !== (to.http2?.enabled ?? false);
}

/** The TLS settings the server is built from (hsts is added per response, from the swapped state). */
function serverTls(config: RoutedListenerConfig): unknown {
  if (config.protocol !== 'https') return undefined;
  const { hsts: _hsts, ...server } = config.tls;
  return server;
}
