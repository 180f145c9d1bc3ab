// Fulcrum itself: `node dist/src/cli/main.js start -c <generated yaml>`, from the repo root.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, httpsProbe, waitForHttp } from './net.js';
import type { BenchCertificate } from './cert.js';
import { startProcess, type Managed } from './processes.js';

export type FulcrumMode = 'http' | 'tcp' | 'h2' | 'https';

/**
 * 'h2': the http listener also takes h2c with prior knowledge (`http2: { enabled: true }`).
 * 'https': TLS 1.3 termination with the bench's certificate (`minVersion: TLSv1.3`).
 */
export function fulcrumConfig(port: number, backendPorts: number[], protocol: FulcrumMode = 'http', tls?: BenchCertificate): string {
  // the admin API on a port of the kernel's choosing: several Fulcrums in one run (and tests beside it) don't fight over 9090
  if (protocol === 'tcp') {
    return `admin: { address: ${HOST}:0 }
listeners:
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
  return `admin: { address: ${HOST}:0 }
listeners:
  - name: web
    address: ${HOST}:${port}
    protocol: ${protocol === 'https' ? 'https' : 'http'}${protocol === 'h2' ? '\n    http2: { enabled: true }' : ''}${
      protocol === 'https' && tls !== undefined ? `\n    tls: { certificates: [ { cert: ${tls.cert}, key: ${tls.key} } ], minVersion: TLSv1.3 }` : ''
    }
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
  protocol: FulcrumMode = 'http',
  tls?: BenchCertificate,
  args: readonly string[] = [],
): Promise<Managed> {
  const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} does not exist (is the CLI built?)`);
  mkdirSync(dir, { recursive: true });
  const confFile = join(dir, 'fulcrum.yaml');
  writeFileSync(confFile, fulcrumConfig(port, backendPorts, protocol, tls));
  const proc = startProcess('fulcrum', process.execPath, [cli, 'start', '-c', confFile, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await waitForHttp(port, proc, 20000, protocol === 'https' ? httpsProbe : undefined);
  return proc;
}
