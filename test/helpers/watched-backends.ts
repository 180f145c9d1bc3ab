// Backends that show what happens to Fulcrum's upstream connections: which are open, when each
// closes, when an HTTP/2 session receives a GOAWAY. Requests whose path has /hold are held until release(),
// so "a request in flight" is a state a test can build and await.
import http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';
import type net from 'node:net';

/** Resolves `waiters` whose count is reached. */
class Counter {
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  constructor(private readonly value: () => number) {}
  notify(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.value() >= this.waiters[i]!.count) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }
  atLeast(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve });
      this.notify();
    });
  }
}

export interface WatchedH1Backend {
  address: string;
  /** connections from Fulcrum still open */
  readonly open: ReadonlySet<net.Socket>;
  /** connections closed so far */
  readonly closed: number;
  /** resolves once `count` connections have closed in all */
  closedAtLeast(count: number): Promise<void>;
  /** resolves once `count` requests are held */
  waitHeld(count: number): Promise<void>;
  /** answers every held request */
  release(): void;
  close(): Promise<void>;
}

/** A node:http backend (keep-alive 60 s, so it never closes first) answering "ok". */
export async function startWatchedH1Backend(): Promise<WatchedH1Backend> {
  const open = new Set<net.Socket>();
  const held: http.ServerResponse[] = [];
  let closed = 0;
  const closes = new Counter(() => closed);
  const holds = new Counter(() => held.length);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.includes('/hold')) {
        held.push(res);
        holds.notify();
      } else res.end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      closed++;
      closes.notify();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    open,
    get closed() {
      return closed;
    },
    closedAtLeast: (count) => closes.atLeast(count),
    waitHeld: (count) => holds.atLeast(count),
    release: () => {
      for (const res of held.splice(0)) res.end('held');
    },
    close: async () => {
      server.closeAllConnections();
      for (const socket of open) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** What one HTTP/2 session from Fulcrum went through, in order ('stream-end' is a held stream answered). */
export type SessionEvent = 'goaway' | 'stream-end' | 'close';

export interface WatchedSession {
  session: http2.ServerHttp2Session;
  events: SessionEvent[];
  record(event: SessionEvent): void;
  /** resolves when the session has seen `event` */
  saw(event: SessionEvent): Promise<void>;
}

export interface WatchedH2Backend {
  address: string;
  name: string;
  /** every session Fulcrum opened, in order */
  readonly sessions: WatchedSession[];
  /** sessions still open */
  readonly openCount: number;
  /** resolves with the `index`-th session once it is open */
  session(index: number): Promise<WatchedSession>;
  waitHeld(count: number): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

/** Answers with trailers, as gRPC does (an answer without trailers is left hanging by the h2 → h2 relay today). */
function answer(stream: http2.ServerHttp2Stream, name: string, body: string): void {
  stream.respond({ ':status': 200, 'x-backend': name }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'x-done': '1' }));
  stream.end(body);
}

/** A node:http2 (h2c) backend answering its name, with x-backend. */
export async function startWatchedH2Backend(name: string): Promise<WatchedH2Backend> {
  const sessions: WatchedSession[] = [];
  const held: Array<{ stream: http2.ServerHttp2Stream; watched: WatchedSession }> = [];
  const opened = new Counter(() => sessions.length);
  const holds = new Counter(() => held.length);
  const server = http2.createServer();
  const watchedOf = new WeakMap<http2.ServerHttp2Session, WatchedSession>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    const waiters = new Map<SessionEvent, Array<() => void>>();
    const watched: WatchedSession = {
      session,
      events: [],
      record: (event) => {
        watched.events.push(event);
        for (const resolve of waiters.get(event)?.splice(0) ?? []) resolve();
      },
      saw: (event) =>
        new Promise((resolve) => {
          if (watched.events.includes(event)) resolve();
          else waiters.set(event, [...(waiters.get(event) ?? []), resolve]);
        }),
    };
    watchedOf.set(session, watched);
    session.on('error', () => {});
    session.on('goaway', () => watched.record('goaway'));
    session.on('close', () => watched.record('close'));
    sessions.push(watched);
    opened.notify();
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const watched = watchedOf.get(stream.session as http2.ServerHttp2Session)!;
    stream.resume();
    stream.on('end', () => {
      if (String(headers[':path']).includes('/hold')) {
        held.push({ stream, watched });
        holds.notify();
      } else answer(stream, name, name);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    name,
    sessions,
    get openCount() {
      return sessions.filter((s) => !s.events.includes('close')).length;
    },
    session: async (index) => {
      await opened.atLeast(index + 1);
      return sessions[index]!;
    },
    waitHeld: (count) => holds.atLeast(count),
    release: () => {
      for (const { stream, watched } of held.splice(0)) {
        answer(stream, name, `${name} held`);
        watched.record('stream-end');
      }
    },
    close: async () => {
      for (const { session } of sessions) session.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** One request over an HTTP/2 client session; resolves with status, x-backend and body. */
export function h2Get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; backend: string; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let backend = '';
    const parts: Buffer[] = [];
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
      backend = String(headers['x-backend'] ?? '');
    });
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    stream.on('end', () => resolve({ status, backend, body: Buffer.concat(parts).toString() }));
    stream.on('error', reject);
  });
}

/** `promise`, or a failure naming `what` after `ms`: a wait that cannot hang a test. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
