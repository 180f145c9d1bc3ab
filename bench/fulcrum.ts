// Fulcrum itself: `node dist/src/cli/main.js start -c <generated yaml>`, from the repo root.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, waitForHttp } from './net.js';
import { startProcess, type Managed } from './processes.js';

/** 'h2': the http listener also takes h2c with prior knowledge (`http2: { enabled: true }`). */
export function fulcrumConfig(port: number, backendPorts: number[], protocol: 'http' | 'tcp' | 'h2' = 'http'): string {
  if (protocol === 'tcp') {
    return `listeners:
  - name: l4
    address: ${HOST}:${port}
    protocol: tcp
    service: app
services:
  app:
    algorithm: round-robin
    backends: [ ${backendPorts.map((p) => `{ address: ${HOST}:${p} }`).join(', ')} ]
log: { level: warn }
`;
  }
  return `listeners:
  - name: web
    address: ${HOST}:${port}
    protocol: http${protocol === 'h2' ? '\n    http2: { enabled: true }' : ''}
    routes: [ { service: app } ]
services:
  app:
    algorithm: round-robin
    backends: [ ${backendPorts.map((p) => `{ address: ${HOST}:${p} }`).join(', ')} ]
log: { level: warn }
`;
}

/** `args` go after `start -c FILE` (`--workers 2`). */
export async function startFulcrum(
  repoRoot: string,
  dir: string,
  port: number,
  backendPorts: number[],
  protocol: 'http' | 'tcp' | 'h2' = 'http',
  args: readonly string[] = [],
): Promise<Managed> {
  const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} does not exist (is the CLI built?)`);
  mkdirSync(dir, { recursive: true });
  const confFile = join(dir, 'fulcrum.yaml');
  writeFileSync(confFile, fulcrumConfig(port, backendPorts, protocol));
  const proc = startProcess('fulcrum', process.execPath, [cli, 'start', '-c', confFile, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await waitForHttp(port, proc, 20000);
  return proc;
}
