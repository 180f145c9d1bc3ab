import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoBackend {
  name: string;
  delayMs: number;
  port: number;
  server: http.Server;
}

/** Three small HTTP servers of different speeds that say who answered. */
export const DEMO_BACKENDS = [
  { name: 'alpha', delayMs: 0 },
  { name: 'bravo', delayMs: 20 },
  { name: 'charlie', delayMs: 80 },
];

export async function startDemoBackends(): Promise<DemoBackend[]> {
  return Promise.all(DEMO_BACKENDS.map(({ name, delayMs }) => startDemoBackend(name, delayMs)));
}

function startDemoBackend(name: string, delayMs: number): Promise<DemoBackend> {
  let served = 0;
  const server = http.createServer((req, res) => {
    served++;
    const answer = (): void => {
      const body =
        JSON.stringify({
          backend: name,
          delayMs,
          served,
          method: req.method,
          url: req.url,
          clientIp: req.headers['x-real-ip'],
          requestId: req.headers['x-request-id'],
        }) + '\n';
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
      res.end(body);
    };
    req.resume();
    req.on('end', () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()));
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ name, delayMs, port, server });
    });
  });
}
