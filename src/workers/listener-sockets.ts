// The addresses of the listeners the workers serve, kept by listener name across reloads so that a
// kept listener keeps its port (port 0 included: every worker must bind the same one).
import dgram from 'node:dgram';
import net, { isIPv6 } from 'node:net';
import type { FulcrumConfig, ListenerConfig } from '../config/types.js';
import type { WorkerSocket } from '../net/listen.js';
import type { ListenMode } from './listen-mode.js';

interface BoundAddress {
  /** what the config asked for: a kept listener asking the same keeps the port */
  wanted: string;
  host: string;
  port: number;
}

export class ListenerSockets {
  private readonly bound = new Map<string, BoundAddress>();

  constructor(
    readonly mode: ListenMode,
    /** udp listeners in every worker (threads whose udp sockets take reusePort); else in worker 0 only */
    private readonly udpInEvery = false,
  ) {}

  /** Choose (or keep) the address of every listener of `config`. */
  async update(config: FulcrumConfig): Promise<void> {
    const next = new Map<string, BoundAddress>();
    for (const listener of config.listeners) {
      const udp = listener.protocol === 'udp';
      const wanted = `${listener.protocol} ${listener.address.host}:${listener.address.port}`;
      const kept = this.bound.get(listener.name);
      const { host, port } = listener.address;
      next.set(listener.name, kept !== undefined && kept.wanted === wanted ? kept : { wanted, host, port: port === 0 ? await (udp ? freeUdpPort(host) : freePort(host)) : port });
    }
    this.bound.clear();
    for (const [name, address] of next) this.bound.set(name, address);
  }

  address(name: string): { host: string; port: number } | undefined {
    const bound = this.bound.get(name);
    return bound && { host: bound.host, port: bound.port };
  }

  /** The config as worker `index` serves it: each listener on its port; udp listeners in worker 0 only unless `udpInEvery`. */
  forWorker(config: FulcrumConfig, index: number): FulcrumConfig {
    const listeners: ListenerConfig[] = [];
    for (const listener of config.listeners) {
      const bound = this.bound.get(listener.name);
      const udp = listener.protocol === 'udp';
      if (udp && !this.udpInEvery && index !== 0) continue;
      if (bound === undefined) {
        if (index === 0) listeners.push(listener);
        continue;
      }
      // cluster: a plain listen(), which node:cluster shares through the primary (not for udp: worker 0 binds it alone)
      const shared = this.mode === 'reuseport' && (!udp || this.udpInEvery);
      const socket: WorkerSocket | undefined = shared ? { reusePort: true } : undefined;
      const served = { ...listener, address: { ...listener.address, port: bound.port }, socket };
      listeners.push(served as ListenerConfig);
    }
    return { ...config, listeners };
  }
}

/** A udp port the kernel has free now, for a port-0 udp listener. */
function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** A port the kernel has free now, for a port-0 listener. */
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
