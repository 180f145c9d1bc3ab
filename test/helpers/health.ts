// Shared by the health tests: backends whose /healthz can be switched, a logger whose lines a
// test can read, and a way to await a health transition instead of sleeping.
import http from 'node:http';
import type net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import type { HealthEvent } from '../../src/health/service-health.js';
import type { Logger } from '../../src/observe/logger.js';
import type { Service } from '../../src/pool/service.js';

export type HealthMode = 'ok' | 'fail' | 'hang' | 'flap';

export interface SwitchableBackend {
  name: string;
  port: number;
  address: string;
  /** what /healthz does: 200, 500, never answer, or alternate 200/500 */
  mode: HealthMode;
  /** what every other path does: 200 with the name, or 500 */
  trafficStatus: number;
  /** /healthz probes received */
  probes: number;
  /** other requests received */
  served: number;
  close(): Promise<void>;
}

export async function startSwitchableBackend(name: string, port = 0): Promise<SwitchableBackend> {
  const sockets = new Set<net.Socket>();
  const backend: SwitchableBackend = {
    name,
    port: 0,
    address: '',
    mode: 'ok',
    trafficStatus: 200,
    probes: 0,
    served: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/healthz') {
      backend.probes++;
      const mode = backend.mode === 'flap' ? (backend.probes % 2 === 0 ? 'ok' : 'fail') : backend.mode;
      if (mode === 'hang') return;
      res.writeHead(mode === 'ok' ? 200 : 500, { 'content-type': 'text/plain' });
      res.end(mode === 'ok' ? 'ok' : 'dependency down');
      return;
    }
    backend.served++;
    res.writeHead(backend.trafficStatus, { 'content-type': 'text/plain', 'x-backend': name });
    res.end(name);
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  backend.port = (server.address() as net.AddressInfo).port;
  backend.address = `127.0.0.1:${backend.port}`;
  return backend;
}

export interface CapturedLogger {
  logger: Logger;
  /** every line logged so far, parsed */
  entries(): Array<Record<string, unknown> & { msg: string }>;
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string }) };
}

export async function startFulcrumLogged(yamlText: string, logger: Logger): Promise<Fulcrum> {
  const result = parseConfigText(yamlText, 'test.yaml');
  if (!result.ok) throw new Error(`invalid test config:\n${result.errors.map(formatConfigError).join('\n')}`);
  return Fulcrum.start(result.config, { logger });
}

/** Resolves with the first health event of `service` that matches, or rejects after timeoutMs. */
export function nextHealthEvent(service: Service, kind: HealthEvent['kind'], backendAddress: string | null, timeoutMs = 3_000): Promise<HealthEvent & { at: number }> {
  return new Promise((resolve, reject) => {
    const listener = (event: HealthEvent): void => {
      if (event.kind !== kind || (backendAddress !== null && event.backend?.id !== backendAddress)) return;
      clearTimeout(timer);
      service.health.off('transition', listener);
      resolve({ ...event, at: performance.now() });
    };
    const timer = setTimeout(() => {
      service.health.off('transition', listener);
      reject(new Error(`no '${kind}' event for ${backendAddress ?? service.name} within ${timeoutMs} ms`));
    }, timeoutMs);
    service.health.on('transition', listener);
  });
}

/** GET through the balancer: the status and which backend answered (x-backend), on a fresh connection. */
export async function get(port: number, path = '/'): Promise<{ status: number; backend: string | undefined; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, backend: res.headers['x-backend'] as string | undefined, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', reject);
  });
}

/** Polls `condition` every few ms until it holds or the deadline passes. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
