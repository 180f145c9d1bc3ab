// Memory per idle keep-alive connection: `npx tsc -p . && node dist/bench/idle-memory.js [--connections N] [--baseline DIR]`.
// Starts one Fulcrum (an http listener in front of a small backend in this process), opens N
// client connections, sends one request on each and keeps them open, idle, then reads
// Fulcrum's resident memory (VmRSS) before and after. What it prints is (after - before) / N:
// everything the process holds per idle connection (JS objects, the socket's native handle,
// buffers), not the kernel's socket buffers. See bench/README.md.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, HOST, waitForHttp } from './net.js';
import { installCleanupHandlers, removeOnExit, startProcess, stopAll } from './processes.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BATCH = 500;
const SETTLE_MS = 3000;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One connection, one request, answered; the socket stays open (keep-alive). */
function openIdle(port: number): Promise<net.Socket> {
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect({ host: HOST, port });
    socket.setNoDelay(true);
    let received = '';
    socket.once('error', reject);
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`));
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      if (received.endsWith('ok')) {
        socket.off('data', onData);
        resolvePromise(socket);
      }
    };
    socket.on('data', onData);
  });
}

async function measure(label: string, root: string, connections: number, backendPort: number): Promise<void> {
  const [port, adminPort] = await freePorts(2);
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-idle-'));
  removeOnExit(dir);
  const conf = join(dir, 'fulcrum.yaml');
  writeFileSync(
    conf,
    `admin: { address: ${HOST}:${adminPort} }
listeners:
  - name: web
    address: ${HOST}:${port}
    protocol: http
    timeouts: { keepAlive: 10m }
    routes: [ { service: app } ]
services:
  app:
    algorithm: round-robin
    backends: [ { address: ${HOST}:${backendPort} } ]
log: { level: warn }
`,
  );
  const proc = startProcess(`fulcrum-${label}`, process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'start', '-c', conf], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await waitForHttp(port!, proc, 20000);
  const sockets: net.Socket[] = [];
  // warm up: code compiled, pools and the heap at their working size
  for (let i = 0; i < 200; i++) sockets.push(await openIdle(port!));
  for (const s of sockets.splice(0)) s.destroy();
  await sleep(SETTLE_MS);
  const before = rssKb(proc.pid);
  for (let opened = 0; opened < connections; opened += BATCH) {
    const batch = Math.min(BATCH, connections - opened);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, () => openIdle(port!)))));
  }
  await sleep(SETTLE_MS);
  const after = rssKb(proc.pid);
  const perConnection = ((after - before) * 1024) / connections;
  console.log(
    `${label}: ${connections} idle keep-alive connections: RSS ${(before / 1024).toFixed(1)} MB -> ${(after / 1024).toFixed(1)} MB, ` +
      `${(perConnection / 1024).toFixed(2)} KB per connection (target <= 8 KB)`,
  );
  for (const s of sockets) s.destroy();
  await proc.stop();
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const connections = Number(option('--connections', '10000'));
  const baseline = process.argv.includes('--baseline') ? resolve(option('--baseline', '')) : undefined;
  const backend = http.createServer({ keepAlive: true }, (_req, res) => {
    res.setHeader('Content-Length', 2);
    res.end('ok');
  });
  await new Promise<void>((r) => backend.listen(0, HOST, r));
  const backendPort = (backend.address() as net.AddressInfo).port;
  await measure('fulcrum', REPO_ROOT, connections, backendPort);
  if (baseline !== undefined) await measure('base', baseline, connections, backendPort);
  backend.close();
  await stopAll();
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
