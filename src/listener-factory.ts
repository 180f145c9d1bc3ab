import type { AddressInfo } from 'node:net';
import type { ListenerConfig } from './config/types.js';
import { HttpListener } from './http/listener.js';
import { TcpListener } from './l4/tcp-listener.js';
import { warnInsecureBackends } from './tls/client-options.js';
import { TlsPassthroughListener } from './l4/tls-passthrough.js';
import { UdpListener } from './l4/udp-proxy.js';
import type { Logger } from './observe/logger.js';
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
   * swap. A listener without it is rebound on reload (closed, then bound again).
   */
  prepareUpdate?(config: ListenerConfig, services: ReadonlyMap<string, Service>): () => void;
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
      );
    case 'tcp':
      warnInsecureBackends(config, services, logger);
      return new TcpListener(config, services, logger);
    case 'tls':
      return new TlsPassthroughListener(config, services, logger);
    case 'udp':
      return new UdpListener(config, services, logger);
    default:
      throw new Error(`listener ${(config as ListenerConfig).name}: protocol '${(config as ListenerConfig).protocol}' is not supported yet`);
  }
}
