// HAProxy in http mode, one thread, round robin over the three backends, reusing server connections.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, waitForHttp } from './net.js';
import { startProcess, type Managed } from './processes.js';

export async function startHaproxy(haproxyBin: string, dir: string, port: number, backendPorts: number[], mode: 'http' | 'tcp' = 'http'): Promise<Managed> {
  mkdirSync(dir, { recursive: true });
  const conf =
    mode === 'tcp'
      ? tcpConfig(dir, port, backendPorts)
      : `global
  nbthread 1
  maxconn 4096
  pidfile ${join(dir, 'haproxy.pid')}

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  timeout http-keep-alive 120s

frontend web
  bind ${HOST}:${port}
  default_backend app

backend app
  balance roundrobin
${backendPorts.map((p, i) => `  server b${i + 1} ${HOST}:${p}`).join('\n')}
`;
  const confFile = join(dir, 'haproxy.cfg');
  writeFileSync(confFile, conf);
  // -db: stay in the foreground, no daemon.
  const proc = startProcess('haproxy', haproxyBin, ['-db', '-f', confFile]);
  await waitForHttp(port, proc);
  return proc;
}

/** tcp mode: bytes relayed, one backend per client connection, round robin. */
function tcpConfig(dir: string, port: number, backendPorts: number[]): string {
  return `global
  nbthread 1
  maxconn 4096
  pidfile ${join(dir, 'haproxy.pid')}

defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s

frontend l4
  bind ${HOST}:${port}
  default_backend app

backend app
  balance roundrobin
${backendPorts.map((p, i) => `  server b${i + 1} ${HOST}:${p}`).join('\n')}
`;
}
