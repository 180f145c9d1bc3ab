// Binding a listener's server socket, and the limits every accepting listener shares.
import type net from 'node:net';
import type { ListenerConfig } from '../config/types.js';

/** How long a trusted proxy gets to send its PROXY header. */
export const PROXY_HEADER_TIMEOUT = 5_000;

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

/** `maxConnections` of a listener on its server (0 = unlimited); lowering it refuses new connections only. */
export function applyMaxConnections(server: net.Server, config: ListenerConfig): void {
  server.maxConnections = config.maxConnections > 0 ? config.maxConnections : Infinity;
}
