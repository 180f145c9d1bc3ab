// Peers for the L4 reload tests: backends that answer every line with their name, a client that
// asks one line at a time over one long-lived connection, and a client that connects in a loop.
import net from 'node:net';
import tls from 'node:tls';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import type { FulcrumConfig } from '../../src/config/types.js';

export function parse(text: string): FulcrumConfig {
  const result = parseConfigText(text, 'l4-reload.yaml');
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}

export interface NamedBackend {
  name: string;
  port: number;
  /** connections accepted so far */
  accepted: number;
  close(): Promise<void>;
}

/** Answers each line `x` with `NAME x`, on plain TCP, or on TLS with `tlsOptions`. */
export async function startNamedBackend(name: string, tlsOptions?: tls.TlsOptions): Promise<NamedBackend> {
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    backend.accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let end: number;
      while ((end = pending.indexOf('\n')) !== -1) {
        socket.write(`${name} ${pending.slice(0, end)}\n`);
        pending = pending.slice(end + 1);
      }
    });
  };
  const server = tlsOptions === undefined ? net.createServer(onSocket) : tls.createServer(tlsOptions, onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const backend: NamedBackend = {
    name,
    port: (server.address() as net.AddressInfo).port,
    accepted: 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return backend;
}

/** One long-lived connection that asks a line and waits for the answer. */
export class LineClient {
  closed = false;
  private pending = '';
  private waiting: { resolve(line: string): void; reject(error: Error): void } | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.pending += chunk;
      const end = this.pending.indexOf('\n');
      if (end === -1 || this.waiting === null) return;
      const line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      const waiting = this.waiting;
      this.waiting = null;
      waiting.resolve(line);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.reject(new Error('connection closed before the answer'));
      this.waiting = null;
    });
  }

  static async connect(port: number, tlsOptions?: tls.ConnectionOptions): Promise<LineClient> {
    const socket = tlsOptions === undefined ? net.connect(port, '127.0.0.1') : tls.connect({ ...tlsOptions, host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(tlsOptions === undefined ? 'connect' : 'secureConnect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  /** Sends `text` and resolves with the answer line, or rejects when the connection closes first. */
  ask(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection already closed'));
      this.waiting = { resolve, reject };
      this.socket.write(`${text}\n`);
    });
  }

  /** Resolves when the connection closes (by the other side). */
  whenClosed(): Promise<void> {
    return new Promise((resolve) => (this.closed ? resolve() : this.socket.once('close', () => resolve())));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Connects to `port` one connection after the other until stopped; counts what happened. */
export class ConnectLoop {
  connected = 0;
  refused = 0;
  otherErrors: string[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly port: number) {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async run(): Promise<void> {
    while (this.running) await this.once();
  }

  private once(): Promise<void> {
    return new Promise((resolve) => {
      const socket = net.connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        this.connected++;
        socket.destroy();
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') this.refused++;
        else this.otherErrors.push(error.code ?? error.message);
        resolve();
      });
    });
  }
}
