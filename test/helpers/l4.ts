// Peers for the L4 tests: real programs (redis-server, redis-cli, openssl, dig) run as child
// processes, and small node:net / node:dgram servers that record what they receive.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (bounded), never throwing on a non-zero exit. */
export function run(file: string, args: string[], options: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? 15_000, maxBuffer: 64 * 1024 * 1024, encoding: 'latin1' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port nothing listens on (connections are refused). */
export const closedPort = freePort;

export interface Redis {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port, no persistence; resolves once it accepts connections. */
export async function startRedis(): Promise<Redis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
  });
  child.stdout!.resume();
  return {
    port,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface RecordingServer {
  port: number;
  sockets: net.Socket[];
  /** every byte received, per connection */
  received: Buffer[];
  close(): Promise<void>;
}

/** A TCP server; `onConnection` decides what each connection does (echo by default). */
export async function startTcpServer(onConnection?: (socket: net.Socket, index: number) => void): Promise<RecordingServer> {
  const sockets: net.Socket[] = [];
  const received: Buffer[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const index = sockets.length;
    sockets.push(socket);
    received.push(Buffer.alloc(0));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => (received[index] = Buffer.concat([received[index]!, chunk])));
    if (onConnection) onConnection(socket, index);
    else socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects, writes `data`, half-closes, and collects everything until the server closes. */
export function exchange(port: number, data: Buffer | string, options: { end?: boolean } = {}): Promise<{ received: Buffer; error?: Error }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let error: Error | undefined;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => (error = e));
    socket.on('close', () => resolve({ received: Buffer.concat(chunks), ...(error && { error }) }));
    socket.write(data);
    if (options.end !== false) socket.end();
  });
}

/** Resolves when `socket` closes. */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

/** A UDP responder: answers each datagram with `answer(msg)`, and records who sent what. */
export async function startUdpResponder(answer: (msg: Buffer) => Buffer | null): Promise<{ port: number; senders: string[]; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const senders: string[] = [];
  socket.on('message', (msg, from) => {
    senders.push(`${from.address}:${from.port}`);
    const reply = answer(msg);
    if (reply !== null) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, senders, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** Waits (bounded) for a condition that becomes true as the event loop turns: counters after closes. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
