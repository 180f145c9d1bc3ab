// Backends that say who answered, for the balancing tests: each answers its name (body and
// X-Backend), can be slow, can report a load, and holds requests to /hold open until the test
// releases them, so "N requests in flight on this backend" is a state a test can build and
// await instead of sleeping.
import http from 'node:http';
import net from 'node:net';
import { startHttpBackend, type HttpBackend } from './http-backend.js';

export interface NamedBackendOptions {
  /** answer this many ms after the request arrived (a slow backend) */
  delayMs?: number;
  /** sent as X-Backend-Load on every answer */
  load?: string;
}

export interface NamedBackend {
  name: string;
  http: HttpBackend;
  address: string;
  /** requests answered */
  readonly served: number;
  /** requests to /hold waiting for release() */
  readonly held: number;
  /** resolves once at least `count` requests are held */
  waitHeld(count: number): Promise<void>;
  /** answers every held request */
  release(): void;
  close(): Promise<void>;
}

export async function startNamedBackend(name: string, options: NamedBackendOptions = {}): Promise<NamedBackend> {
  let served = 0;
  const held: Array<() => void> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const notify = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (held.length >= waiters[i]!.count) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  const backend = await startHttpBackend(
    (req, res) => {
      const answer = (): void => {
        served++;
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(name), 'x-backend': name };
        if (options.load !== undefined) headers['x-backend-load'] = options.load;
        res.writeHead(200, headers);
        res.end(name);
      };
      req.resume();
      req.on('end', () => {
        if ((req.url ?? '').startsWith('/hold')) {
          held.push(answer);
          notify();
        } else if (options.delayMs !== undefined) setTimeout(answer, options.delayMs);
        else answer();
      });
    },
    { recordBodies: false },
  );
  return {
    name,
    http: backend,
    address: backend.address,
    get served() {
      return served;
    },
    get held() {
      return held.length;
    },
    waitHeld: (count) =>
      new Promise<void>((resolve) => {
        waiters.push({ count, resolve });
        notify();
      }),
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    close: () => backend.close(),
  };
}

export interface Answer {
  status: number;
  /** the backend's name (the body), or '' when Fulcrum answered an error */
  name: string;
  headers: http.IncomingHttpHeaders;
}

export interface AskOptions {
  headers?: Record<string, string>;
  /** a keep-alive agent, or false for a connection of its own */
  agent?: http.Agent | false;
  /** the client address (any 127.x.y.z works on loopback) */
  localAddress?: string;
}

/** One GET through Fulcrum; resolves with who answered. */
export function ask(port: number, path: string, options: AskOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: options.headers, agent: options.agent ?? false, localAddress: options.localAddress }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(parts).toString();
        resolve({ status: res.statusCode ?? 0, name: res.statusCode === 200 ? body : '', headers: res.headers });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${path} within 10 s`)));
    req.on('error', reject);
  });
}

/** `total` requests, `concurrency` at a time; returns who answered each, in completion order. */
export async function askMany(port: number, total: number, concurrency: number, make: (i: number) => [string, AskOptions]): Promise<string[]> {
  const names: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const [path, options] = make(i);
      const answer = await ask(port, path, options);
      if (answer.status !== 200) throw new Error(`request ${i} (${path}): status ${answer.status}`);
      names.push(answer.name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return names;
}

/** name → how many times it appears */
export function tally(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

// --- TCP (L4) ---

export interface NamedTcpBackend {
  name: string;
  address: string;
  /** open connections */
  readonly sockets: ReadonlySet<net.Socket>;
  /** ends every open connection from the backend's side */
  endAll(): void;
  /** resolves once no connection is open (Fulcrum has closed its side of each) */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP backend that writes "NAME\n" on every connection and keeps it open. */
export async function startNamedTcpBackend(name: string): Promise<NamedTcpBackend> {
  const sockets = new Set<net.Socket>();
  const idleWaiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    });
    socket.on('error', () => {});
    socket.resume();
    socket.write(`${name}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    address: `127.0.0.1:${port}`,
    sockets,
    endAll: () => {
      for (const socket of sockets) socket.end();
    },
    idle: () =>
      new Promise<void>((resolve) => {
        if (sockets.size === 0) resolve();
        else idleWaiters.push(resolve);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TcpClient {
  socket: net.Socket;
  /** the first line the backend wrote: its name */
  name: string;
  /** resolves when the connection has ended (the backend closed it) */
  ended: Promise<void>;
}

/** Connects through Fulcrum and reads the backend's name. */
export function connectTcp(port: number, localAddress?: string): Promise<TcpClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    let text = '';
    const ended = new Promise<void>((done) => socket.once('close', () => done()));
    const timer = setTimeout(() => socket.destroy(new Error('no name from the backend within 5 s')), 5_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const newline = text.indexOf('\n');
      if (newline >= 0 && timer !== null) {
        clearTimeout(timer);
        resolve({ socket, name: text.slice(0, newline), ended });
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (!text.includes('\n')) reject(new Error('closed before the backend named itself'));
    });
  });
}
