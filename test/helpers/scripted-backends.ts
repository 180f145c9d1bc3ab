// Backends that play one scripted part (answer, refuse, hang, fail, drop a pooled connection,
// report a load), each in HTTP/1.1 or HTTP/2, behind one interface, so a test can describe a
// request lifecycle once and run it against either upstream protocol. Plus the two clients such
// a test sends through Fulcrum with: HTTP/1.1 (node:http) and h2c with prior knowledge (node:http2).
import type http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { echoHandler, startHttpBackend } from './http-backend.js';
import { request as http1Request } from './http-get.js';
import { closedPort, startRawBackend } from './raw-backend.js';

export type UpstreamProtocol = 'http1' | 'h2';

/**
 * The part a backend plays. Every answer names the backend; `ok` says `NAME METHOD PATH BODYLENGTH`.
 * HTTP/2 backends end each answer with a trailer field (`x-answered-by: NAME`), as gRPC servers do,
 * unless `trailers: false` (an answer that ends with its last DATA frame).
 */
export type Script =
  | { does: 'ok'; trailers?: boolean }
  /** nothing listens on its port: connections are refused */
  | { does: 'refuse' }
  /** reads the request, never answers */
  | { does: 'hang' }
  /** answers `status` with the body `NAME failing` */
  | { does: 'fail'; status: number }
  /** answers the first request of each connection (keep-alive); drops the connection, unanswered and
   * without a word (no GOAWAY on HTTP/2), when a second request arrives on it — as a backend does
   * that closes an idle keep-alive connection just as the balancer reuses it */
  | { does: 'stale' }
  /** answers 200 with `X-Backend-Load: load` */
  | { does: 'report-load'; load: string };

export interface SeenRequest {
  method: string;
  path: string;
}

export interface ScriptedBackend {
  name: string;
  /** "127.0.0.1:PORT" for a config */
  address: string;
  /** requests that reached it, in arrival order (heads: a request counts when its head arrived) */
  readonly requests: readonly SeenRequest[];
  /** TCP connections accepted (one per HTTP/2 session) */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startScriptedBackend(protocol: UpstreamProtocol, name: string, script: Script): Promise<ScriptedBackend> {
  if (script.does === 'refuse') {
    const port = await closedPort();
    return { name, address: `127.0.0.1:${port}`, requests: [], connections: 0, close: async () => {} };
  }
  return protocol === 'http1' ? startHttp1(name, script) : startH2(name, script);
}

// --- HTTP/1.1 backends: node:http where it behaves, raw node:net where it must misbehave ---

async function startHttp1(name: string, script: Exclude<Script, { does: 'refuse' }>): Promise<ScriptedBackend> {
  if (script.does === 'hang' || script.does === 'stale') {
    const raw = await startRawBackend((conn, head, n) => {
      if (script.does === 'hang') return;
      if (n > 0) {
        conn.socket.destroy();
        return;
      }
      const body = `${name} ${head.split(' ')[0]} ${head.split(' ')[1]} 0`;
      conn.socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
    return {
      name,
      address: raw.address,
      get requests() {
        return raw.heads.map(headToRequest);
      },
      get connections() {
        return raw.connections.length;
      },
      close: () => raw.close(),
    };
  }
  const handler =
    script.does === 'ok'
      ? echoHandler(name)
      : (req: http.IncomingMessage, res: http.ServerResponse): void => {
          const answer = (): void => {
            const body = script.does === 'fail' ? `${name} failing` : name;
            const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) };
            if (script.does === 'report-load') headers['x-backend-load'] = script.load;
            res.writeHead(script.does === 'fail' ? script.status : 200, headers);
            res.end(body);
          };
          if (req.readableEnded) answer();
          else req.on('end', answer);
        };
  const backend = await startHttpBackend(handler);
  return {
    name,
    address: backend.address,
    get requests() {
      return backend.requests.map((r) => ({ method: r.method, path: r.url }));
    },
    get connections() {
      return backend.connections;
    },
    close: () => backend.close(),
  };
}

function headToRequest(head: string): SeenRequest {
  const [method = '', path = ''] = head.split('\r\n', 1)[0]!.split(' ');
  return { method, path };
}

// --- HTTP/2 backends (h2c, for `protocol: h2` services) ---

async function startH2(name: string, script: Exclude<Script, { does: 'refuse' }>): Promise<ScriptedBackend> {
  const requests: SeenRequest[] = [];
  const sockets = new Map<number, net.Socket>(); // by the client's port: a session's socket is behind a proxy that can't be destroyed
  const sessions = new Set<http2.ServerHttp2Session>();
  const streamsOn = new WeakMap<http2.Http2Session, number>();
  let connections = 0;
  const server = http2.createServer();
  server.on('connection', (socket: net.Socket) => {
    connections++;
    const port = socket.remotePort!;
    sockets.set(port, socket);
    socket.on('close', () => sockets.delete(port));
  });
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on('error', () => {});
    const session = stream.session!;
    const n = streamsOn.get(session) ?? 0;
    streamsOn.set(session, n + 1);
    const method = String(headers[':method']);
    const path = String(headers[':path']);
    requests.push({ method, path });
    if (script.does === 'stale' && n > 0) {
      sockets.get(session.socket.remotePort!)?.destroy();
      return;
    }
    let length = 0;
    stream.on('data', (chunk: Buffer) => (length += chunk.length));
    if (script.does === 'hang') return;
    stream.on('end', () => {
      if (stream.closed) return;
      const body = script.does === 'ok' || script.does === 'stale' ? `${name} ${method} ${path} ${length}` : script.does === 'fail' ? `${name} failing` : name;
      const out: http2.OutgoingHttpHeaders = {
        ':status': script.does === 'fail' ? script.status : 200,
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
      };
      if (script.does === 'report-load') out['x-backend-load'] = script.load;
      const trailers = script.does !== 'ok' || script.trailers !== false;
      if (trailers) stream.once('wantTrailers', () => stream.sendTrailers({ 'x-answered-by': name }));
      stream.respond(out, { waitForTrailers: trailers });
      stream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    address: `127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets.values()) socket.destroy();
      }),
  };
}

// --- clients ---

export type ClientProtocol = 'http1' | 'h2';

export interface Reply {
  status: number;
  /** lower-case names; no pseudo-headers */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Ask {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** give up (reject) after this long without a complete answer; default 10 s */
  timeoutMs?: number;
}

/** One request through Fulcrum on a connection of its own, in the given protocol. */
export function send(protocol: ClientProtocol, port: number, ask: Ask): Promise<Reply> {
  return protocol === 'http1' ? sendHttp1(port, ask) : sendH2(port, ask);
}

async function sendHttp1(port: number, ask: Ask): Promise<Reply> {
  const headers: Record<string, string> = ask.body === undefined ? {} : { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(ask.body)) };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${ask.method} ${ask.path} within ${ask.timeoutMs ?? 10_000} ms`)), ask.timeoutMs ?? 10_000);
  });
  try {
    const got = await Promise.race([http1Request(port, ask.path, headers, ask.method, ask.body), timeout]);
    return { status: got.status, headers: got.headers, body: got.body.toString() };
  } finally {
    clearTimeout(timer);
  }
}

/** h2c with prior knowledge: a session of its own, closed once the stream is done. */
function sendH2(port: number, ask: Ask): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    let settled = false;
    const done = (error: Error | null, reply?: Reply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      if (error !== null) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(() => {
      session.destroy();
      done(new Error(`no answer to ${ask.method} ${ask.path} within ${ask.timeoutMs ?? 10_000} ms`));
    }, ask.timeoutMs ?? 10_000);
    session.on('error', (error) => done(error));
    const headers: http2.OutgoingHttpHeaders = { ':method': ask.method, ':path': ask.path };
    if (ask.body !== undefined) {
      headers['content-type'] = 'text/plain';
      headers['content-length'] = Buffer.byteLength(ask.body);
    }
    const stream = session.request(headers, { endStream: ask.body === undefined });
    let status = 0;
    const replyHeaders: Reply['headers'] = {};
    const parts: Buffer[] = [];
    stream.on('response', (h: http2.IncomingHttpHeaders) => {
      status = Number(h[':status']);
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) replyHeaders[k] = v;
    });
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    stream.on('end', () => done(null, { status, headers: replyHeaders, body: Buffer.concat(parts).toString() }));
    stream.on('error', (error) => done(error));
    // after 'end' this is a no-op; before it, the stream was reset
    stream.on('close', () => done(new Error(`stream closed before a complete response (status ${status}, code ${stream.rstCode})`)));
    if (ask.body !== undefined) stream.end(ask.body);
  });
}
