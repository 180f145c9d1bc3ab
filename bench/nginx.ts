// nginx in two roles: the three backends (one process, three server blocks) and the nginx proxy.
// Each instance gets its own prefix, pid file, logs and temp dirs under the bench's temp folder,
// so nothing touches /etc/nginx, /var/log or /run.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, httpsProbe, waitForHttp } from './net.js';
import { TLS13_SUITES, type BenchCertificate } from './cert.js';
import { startProcess, type Managed } from './processes.js';
import { h2Probe } from './h2load.js';

/** The fixed body every backend answers: 64 bytes. */
export const BODY_BYTES = 64;

function body(index: number): string {
  return `fulcrum bench backend ${index + 1} `.padEnd(BODY_BYTES - 1, '.') + '\n';
}

function commonHeader(dir: string): string {
  const temp = (what: string): string => `${what}_temp_path ${join(dir, 'temp', what)};`;
  return `
worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
`;
}

function prepareDir(dir: string): void {
  mkdirSync(join(dir, 'temp'), { recursive: true });
  // Workers run as nobody when the master is root; they must be able to reach the temp dirs.
  chmodSync(dir, 0o755);
}

async function runNginx(name: string, nginxBin: string, dir: string, conf: string, port: number, probe?: (port: number) => Promise<number>): Promise<Managed> {
  prepareDir(dir);
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const proc = startProcess(name, nginxBin, ['-p', dir, '-c', confFile, '-e', join(dir, 'error.log')]);
  await waitForHttp(port, proc, 15000, probe);
  return proc;
}

export async function startBackends(nginxBin: string, dir: string, ports: number[]): Promise<Managed> {
  const servers = ports
    .map(
      (port, i) => `
  server {
    listen ${HOST}:${port};
    location / {
      default_type text/plain;
      return 200 "${body(i).replace('\n', '\\n')}";
    }
  }`,
    )
    .join('');
  const conf = `${commonHeader(dir)}${servers}\n}\n`;
  const proc = await runNginx('nginx-backends', nginxBin, dir, conf, ports[0]!);
  for (const port of ports.slice(1)) await waitForHttp(port, proc);
  return proc;
}

/**
 * `h2: true`: the proxy's listener speaks h2c with prior knowledge (`listen ... http2`; HTTP/1.1 backends either way).
 * `tls`: it terminates TLS 1.3 with that certificate (`listen ... ssl`), the same suites in the same order as Fulcrum.
 */
export async function startNginxProxy(nginxBin: string, dir: string, port: number, backendPorts: number[], h2 = false, tls?: BenchCertificate): Promise<Managed> {
  const ssl =
    tls === undefined
      ? ''
      : `
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_protocols TLSv1.3;
    ssl_prefer_server_ciphers on;
    ssl_conf_command Ciphersuites ${TLS13_SUITES};
    ssl_session_cache shared:bench:10m;`;
  const conf = `${commonHeader(dir)}
  upstream app {
    ${backendPorts.map((p) => `server ${HOST}:${p};`).join('\n    ')}
    keepalive 256;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
  }
  server {
    listen ${HOST}:${port}${h2 ? ' http2' : ''}${tls ? ' ssl' : ''};${ssl}
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  const name = h2 ? 'nginx-h2-proxy' : tls ? 'nginx-https-proxy' : 'nginx-proxy';
  return runNginx(name, nginxBin, dir, conf, port, h2 ? h2Probe : tls ? httpsProbe : undefined);
}
