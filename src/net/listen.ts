// Binding a listener's server socket, and the limits every accepting listener shares.
import type net from 'node:net';
import type { ListenerConfig } from '../config/types.js';

/** How long a trusted proxy gets to send its PROXY header. */
export const PROXY_HEADER_TIMEOUT = 5_000;

/**
 * How a worker thread binds a listener (src/workers): its own socket in the port's SO_REUSEPORT
 * group. Set on the listener configs a worker receives; absent in a single process.
 */
export interface WorkerSocket {
  reusePort?: true;
}

/** The options of server.listen() for a listener. */
export function listenOptions(config: ListenerConfig | { address: { host: string; port: number } }): net.ListenOptions {
  const socket = (config as { socket?: WorkerSocket }).socket;
  const { host, port } = config.address;
  if (socket?.reusePort) return { host, port, backlog: 1024, reusePort: true } as net.ListenOptions;
  return { host, port, backlog: 1024 };
}

export function listenOn(server: net.Server, config: ListenerConfig): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(listenOptions(config), () => {
      server.off('error', onError);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

/** `maxConnections` of a listener on its server (0 = unlimited); lowering it refuses new connections only. */
export function applyMaxConnections(server: net.Server, config: ListenerConfig): void {
  server.maxConnections = config.maxConnections > 0 ? config.maxConnections : Infinity;
}
