// The addresses (and, with a shared fd, the sockets) of the listeners the workers serve, kept by
// listener name across reloads so that a kept listener keeps its port (port 0 included).
import net from 'node:net';
import type { FulcrumConfig, ListenerConfig } from '../config/types.js';
import type { WorkerSocket } from '../net/listen.js';
import type { ListenMode } from './listen-mode.js';

interface BoundSocket {
  /** what the config asked for: a kept listener asking the same keeps the socket */
  wanted: string;
  host: string;
  port: number;
  /** shared-fd: the handle the main thread bound (never listening here) and its fd */
  handle: { fd: number; close(): void } | null;
}

/** net's internal bind-without-listen, what node:cluster's primary uses for shared handles. */
type CreateServerHandle = (address: string, port: number, addressType: number) => number | { fd: number; close(): void; getsockname(out: object): number };
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

export class ListenerSockets {
  private readonly bound = new Map<string, BoundSocket>();

  constructor(readonly mode: ListenMode) {}

  /**
   * Bind (or keep) a socket for every listener of `config`; returns those that left, to close once
   * the workers have stopped using them. Throws (binding nothing new for good) when one cannot be bound.
   */
  async update(config: FulcrumConfig): Promise<BoundSocket[]> {
    const next = new Map<string, BoundSocket>();
    try {
      for (const listener of config.listeners) {
        if (listener.protocol === 'udp') continue;
        const wanted = `${listener.protocol} ${listener.address.host}:${listener.address.port}`;
        const kept = this.bound.get(listener.name);
        next.set(listener.name, kept !== undefined && kept.wanted === wanted ? kept : await this.bind(listener, wanted));
      }
    } catch (error) {
      for (const [name, socket] of next) if (this.bound.get(name) !== socket) socket.handle?.close();
      throw error;
    }
    const left = [...this.bound].filter(([name, socket]) => next.get(name) !== socket).map(([, socket]) => socket);
    this.bound.clear();
    for (const [name, socket] of next) this.bound.set(name, socket);
    return left;
  }

  address(name: string): { host: string; port: number } | undefined {
    const socket = this.bound.get(name);
    return socket && { host: socket.host, port: socket.port };
  }

  /** The config as worker `index` serves it: each listener on its socket; udp listeners in worker 0 only. */
  forWorker(config: FulcrumConfig, index: number): FulcrumConfig {
    const listeners: ListenerConfig[] = [];
    for (const listener of config.listeners) {
      const socket = this.bound.get(listener.name);
      if (socket === undefined) {
        if (index === 0) listeners.push(listener);
        continue;
      }
      const how: WorkerSocket = socket.handle !== null ? { fd: socket.handle.fd } : { reusePort: true };
      const served = { ...listener, address: { ...listener.address, port: socket.port }, socket: how };
      listeners.push(served as ListenerConfig);
    }
    return { ...config, listeners };
  }

  close(sockets: Iterable<BoundSocket> = this.bound.values()): void {
    for (const socket of sockets) socket.handle?.close();
  }

  private async bind(listener: ListenerConfig, wanted: string): Promise<BoundSocket> {
    const { host, port } = listener.address;
    if (this.mode === 'reuseport') return { wanted, host, port: port === 0 ? await freePort(host) : port, handle: null };
    const handle = createServerHandle(host, port, net.isIPv6(host) ? 6 : 4);
    if (typeof handle === 'number') throw new Error(`listener ${listener.name}: cannot bind ${host}:${port} (error ${handle})`);
    const out: { port?: number } = {};
    handle.getsockname(out);
    return { wanted, host, port: out.port ?? port, handle };
  }
}

/** A port the kernel has free now (for a port-0 listener: every worker must bind the same one). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
