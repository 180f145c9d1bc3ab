// Starting `workers: 2` in-process for a test, on the mechanism FULCRUM_WORKERS_LISTEN asks for (default: the runtime's best).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatConfigError, parseConfigText } from '../../src/config/index.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { chooseListenMode } from '../../src/workers/listen-mode.js';
import { startWorkers, type WorkerPool } from '../../src/workers/pool.js';

export async function startWorkersFrom(yamlText: string, workers = 2): Promise<{ fulcrum: Fulcrum; pool: WorkerPool }> {
  const result = parseConfigText(yamlText, 'test.yaml');
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  const fulcrum = await startWorkers(result.config, { workers, listenMode: await chooseListenMode() });
  return { fulcrum, pool: fulcrum.servedBy as WorkerPool };
}

/** One GET on a new connection: status and body. */
export function get(port: number, path = '/', agent: http.Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
  });
}

/** Polls `check` every 20 ms until it holds, or fails after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Backend {
  port: number;
  /** requests received so far */
  received: number;
  /** responses held until release() */
  held: http.ServerResponse[];
  release(): void;
  close(): Promise<void>;
}

/** Answers its name at once, or (hold) keeps every response open until release(). */
export async function startBackend(name: string, hold = false, status = 200): Promise<Backend> {
  const backend: Backend = {
    port: 0,
    received: 0,
    held: [],
    release: () => {
      for (const res of backend.held.splice(0)) res.end(name);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    backend.received++;
    res.statusCode = status;
    if (req.url === '/healthz' || !hold) res.end(name);
    else backend.held.push(res);
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as AddressInfo).port;
  return backend;
}
