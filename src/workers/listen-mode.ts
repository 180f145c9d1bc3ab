// How the workers share a listener's port, chosen once per process:
// - 'reuseport': worker threads, each binding its own socket with SO_REUSEPORT (Node ≥ 22.12); the
//   kernel spreads new connections over the sockets by a hash of the connection, a thread that dies
//   takes only its own socket with it, and the backend counters are shared memory.
// - 'cluster': worker processes (node:cluster; Node 20 has no reusePort). The primary holds the
//   listening sockets and hands connections round-robin; counters are per process (docs/scaling.md).
//   Not threads sharing the primary's fd: Node cannot dup an fd, so the first thread to close or
//   exit would close the socket under the others (and a stale fd number later closes a stranger's).
// FULCRUM_WORKERS_LISTEN=cluster forces the fallback (tests run it on current Node too).
import dgram from 'node:dgram';
import net from 'node:net';

export type ListenMode = 'reuseport' | 'cluster';

/** Whether `reusePort` works here: two sockets bound to the same port with it (older Node ignores the option). */
export async function reusePortWorks(): Promise<boolean> {
  const first = net.createServer();
  const second = net.createServer();
  const listen = (server: net.Server, port: number): Promise<number | null> =>
    new Promise((resolve) => {
      server.once('error', () => resolve(null));
      server.listen({ host: '127.0.0.1', port, reusePort: true } as net.ListenOptions, () => resolve((server.address() as net.AddressInfo).port));
    });
  try {
    const port = await listen(first, 0);
    return port !== null && (await listen(second, port)) !== null;
  } finally {
    for (const server of [first, second]) if (server.listening) server.close();
  }
}

/** Whether udp sockets take `reusePort` here (Node ≥ 22.12 too, but checked the same way). */
export async function udpReusePortWorks(): Promise<boolean> {
  const sockets = [dgram.createSocket({ type: 'udp4', reusePort: true } as dgram.SocketOptions), dgram.createSocket({ type: 'udp4', reusePort: true } as dgram.SocketOptions)];
  const bind = (socket: dgram.Socket, port: number): Promise<number | null> =>
    new Promise((resolve) => {
      socket.once('error', () => resolve(null));
      socket.bind(port, '127.0.0.1', () => resolve(socket.address().port));
    });
  try {
    const port = await bind(sockets[0]!, 0);
    return port !== null && (await bind(sockets[1]!, port)) !== null;
  } finally {
    for (const socket of sockets) {
      try {
        socket.close();
      } catch {
        // never bound
      }
    }
  }
}

export async function chooseListenMode(env: NodeJS.ProcessEnv = process.env): Promise<ListenMode> {
  const forced = env.FULCRUM_WORKERS_LISTEN;
  if (forced === 'cluster' || forced === 'reuseport') return forced;
  return (await reusePortWorks()) ? 'reuseport' : 'cluster';
}
