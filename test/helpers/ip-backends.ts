// HTTP backends on several loopback addresses (127.0.0.2, 127.0.0.3, ...) sharing one port, as the
// servers behind an A record are. Each answers its address; /slow answers after 1.5 s (a request
// in flight while its backend leaves).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IpBackends {
  port: number;
  /** requests answered, by address */
  served: Map<string, number>;
  /** requests that arrived and were not answered yet, by address */
  open: Map<string, number>;
  close(): Promise<void>;
}

export async function startIpBackends(addresses: string[], port = 0): Promise<IpBackends> {
  const served = new Map<string, number>();
  const open = new Map<string, number>();
  const servers: http.Server[] = [];
  for (const address of addresses) {
    const server = http.createServer((req, res) => {
      open.set(address, (open.get(address) ?? 0) + 1);
      const answer = (): void => {
        open.set(address, open.get(address)! - 1);
        served.set(address, (served.get(address) ?? 0) + 1);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(address) });
        res.end(address);
      };
      req.resume();
      req.on('end', () => (req.url === '/slow' ? setTimeout(answer, 1500) : answer()));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    port,
    served,
    open,
    close: async () => {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
