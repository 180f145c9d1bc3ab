// How worker threads share a listener's port, chosen once per process:
// - 'reuseport': each worker binds its own socket with SO_REUSEPORT (Node ≥ 22.12); the kernel
//   spreads new connections over the sockets by a hash of the connection, and a worker that dies
//   takes only its own socket with it.
// - 'shared-fd': the main thread binds the socket and every worker listens on its fd (Node 20);
//   the workers' event loops race to accept.
// FULCRUM_WORKERS_LISTEN=shared-fd forces the fallback (tests run it on current Node too).
import net from 'node:net';

export type ListenMode = 'reuseport' | 'shared-fd';

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

export async function chooseListenMode(env: NodeJS.ProcessEnv = process.env): Promise<ListenMode> {
  const forced = env.FULCRUM_WORKERS_LISTEN;
  if (forced === 'shared-fd' || forced === 'reuseport') return forced;
  return (await reusePortWorks()) ? 'reuseport' : 'shared-fd';
}
