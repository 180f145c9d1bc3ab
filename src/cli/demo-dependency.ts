import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoBackend } from './demo-backends.js';

/** The demo's stand-in for a database: up or down, switched with POST /toggle. */
export interface DemoDependency {
  port: number;
  server: http.Server;
  up: boolean;
}

export async function startDemoDependency(): Promise<DemoDependency> {
  const dependency: DemoDependency = { port: 0, server: null!, up: true };
  dependency.server = http.createServer((req, res) => {
    req.resume();
    if (req.method === 'POST' && req.url === '/toggle') dependency.up = !dependency.up;
    res.writeHead(dependency.up ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(dependency.up ? 'dependency up\n' : 'dependency down\n');
  });
  dependency.port = await listen(dependency.server);
  return dependency;
}

/**
 * A backend with a deep health check: its /healthz asks the dependency, so taking the
 * dependency down fails the check and Fulcrum drains the backend. Other paths answer
 * like the other demo backends.
 */
export async function startDeepBackend(name: string, dependency: DemoDependency): Promise<DemoBackend> {
  let served = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/healthz') {
      http
        .get({ host: '127.0.0.1', port: dependency.port, path: '/', agent: false, timeout: 500 }, (answer) => {
          answer.resume();
          const ok = answer.statusCode === 200;
          res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
          res.end(ok ? 'ok\n' : 'dependency down\n');
        })
        .on('error', () => {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('dependency unreachable\n');
        });
      return;
    }
    served++;
    const body = JSON.stringify({ backend: name, delayMs: 0, served, method: req.method, url: req.url, deepCheck: true }) + '\n';
    res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
    res.end(body);
  });
  server.keepAliveTimeout = 5000;
  const port = await listen(server);
  return { name, delayMs: 0, port, server };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
