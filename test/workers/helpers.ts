// Starting `workers: 2` in-process for a test, on the mechanism FULCRUM_WORKERS_LISTEN asks for (default: the runtime's best).
import http from 'node:http';
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
