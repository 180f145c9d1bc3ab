// A real PowerDNS Authoritative server for the GSLB tests, with its remote backend pointed at a
// Fulcrum gslb endpoint; `dig` to ask it; /readyz targets whose answer a test switches.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PDNS = '/usr/sbin/pdns_server';

export interface Pdns {
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts pdns_server on 127.0.0.1 (UDP and TCP) and waits until it answers the zone's SOA. */
export async function startPdns(backendPort: number, zone: string, timeoutMs = 15_000): Promise<Pdns> {
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-pdns-'));
  const port = await freePort();
  const args = [
    `--config-dir=${dir}`,
    `--socket-dir=${dir}`,
    '--local-address=127.0.0.1',
    `--local-port=${port}`,
    '--daemon=no',
    '--guardian=no',
    '--launch=remote',
    `--remote-connection-string=http:url=http://127.0.0.1:${backendPort}/dns`,
    '--edns-subnet-processing=yes',
    '--cache-ttl=0',
    '--query-cache-ttl=0',
    '--negquery-cache-ttl=0',
    '--zone-cache-refresh-interval=0',
    '--security-poll-suffix=',
    '--loglevel=4',
  ];
  const child: ChildProcess = spawn(PDNS, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pdns: Pdns = {
    port,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pdns_server exited (${child.exitCode}):\n${output}`);
    const answer = await dig(port, [zone, 'SOA', '+tries=1', '+time=1']).catch(() => null);
    if (answer?.status === 'NOERROR') return pdns;
    if (performance.now() > deadline) {
      await pdns.stop();
      throw new Error(`pdns_server did not answer within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigAnswer {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  /** the ECS option echoed: "10.1.0.0/16/16" (address/source/scope), or null */
  subnet: string | null;
  transport: 'UDP' | 'TCP' | null;
  text: string;
}

/** Runs dig against 127.0.0.1:port and parses its sections. */
export async function dig(port: number, args: readonly string[]): Promise<DigAnswer> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+norecurse', '+tries=2', '+time=2', ...args], { timeout: 10_000 });
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NONE';
  const flags = (/;; flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
  const subnet = /CLIENT-SUBNET: (\S+)/.exec(stdout)?.[1] ?? null;
  const transport = /\((UDP|TCP)\)/.exec(stdout)?.[1] as 'UDP' | 'TCP' | undefined;
  return { status, flags, answer: section(stdout, 'ANSWER'), authority: section(stdout, 'AUTHORITY'), subnet, transport: transport ?? null, text: stdout };
}

function section(text: string, name: string): DigRecord[] {
  const start = text.indexOf(`;; ${name} SECTION:\n`);
  if (start === -1) return [];
  const lines = text.slice(start).split('\n').slice(1);
  const records: DigRecord[] = [];
  for (const line of lines) {
    if (line.trim() === '' || line.startsWith(';')) break;
    const [name = '', ttl = '0', , type = '', ...data] = line.split(/\s+/);
    records.push({ name, ttl: Number(ttl), type, data: data.join(' ') });
  }
  return records;
}

export interface ReadyTarget {
  /** http://HOST:PORT/readyz */
  url: string;
  ready: boolean;
  probes: number;
  close(): Promise<void>;
}

/** An HTTP server on `host` whose /readyz answers 200 while `ready`, else 503. */
export async function startReadyTarget(host: string): Promise<ReadyTarget> {
  const target: ReadyTarget = { url: '', ready: true, probes: 0, close: () => new Promise((resolve) => server.close(() => resolve())) };
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/readyz') target.probes++;
    res.writeHead(req.url === '/readyz' && target.ready ? 200 : 503, { connection: 'close' });
    res.end(target.ready ? 'ready\n' : 'not ready\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  target.url = `http://${host}:${(server.address() as net.AddressInfo).port}/readyz`;
  return target;
}
