// A real node:http backend that records every request it gets (and every raw byte), and
// counts the TCP connections it accepted, so a test can tell what Fulcrum sent upstream.
import http from 'node:http';
import type net from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  /** lower-cased names, as node:http presents them */
  headers: http.IncomingHttpHeaders;
  /** names as sent, alternating name, value */
  rawHeaders: string[];
  body: Buffer;
  trailers: NodeJS.Dict<string>;
  /** which accepted connection it came on (0-based) */
  connection: number;
  /** the body was received completely */
  complete: boolean;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, recorded: RecordedRequest) => void;

export interface HttpBackend {
  port: number;
  /** "127.0.0.1:PORT" for a config */
  address: string;
  server: http.Server;
  requests: RecordedRequest[];
  /** TCP connections accepted so far */
  readonly connections: number;
  /** every byte received, all connections */
  readonly bytesReceived: number;
  /** the raw bytes received, concatenated in arrival order */
  raw(): string;
  close(): Promise<void>;
}

/** Answers 200 with "NAME METHOD URL" once the request body is complete. */
export function echoHandler(name = 'backend'): Handler {
  return (req, res, recorded) => {
    const answer = (): void => {
      const body = `${name} ${req.method} ${req.url} ${recorded.body.length}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-backend': name });
      res.end(body);
    };
    // a handler called late (a slow backend) may find the body already read
    if (req.readableEnded) answer();
    else req.on('end', answer);
  };
}

export interface HttpBackendOptions {
  /** keep request bodies in `requests` (default true); false leaves the body stream to the handler */
  recordBodies?: boolean;
  /** node:http keepAliveTimeout (default 5 s) */
  keepAliveTimeout?: number;
}

export async function startHttpBackend(handler: Handler = echoHandler(), options: HttpBackendOptions = {}): Promise<HttpBackend> {
  const recordBodies = options.recordBodies ?? true;
  const requests: RecordedRequest[] = [];
  const chunks: Buffer[] = [];
  let bytesReceived = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const connectionIndex = new WeakMap<net.Socket, number>();
  const server = http.createServer((req, res) => {
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0),
      trailers: {},
      connection: connectionIndex.get(req.socket) ?? -1,
      complete: false,
    };
    requests.push(recorded);
    if (recordBodies) {
      const parts: Buffer[] = [];
      req.on('data', (chunk: Buffer) => parts.push(chunk));
      req.on('end', () => {
        recorded.body = Buffer.concat(parts);
        recorded.trailers = req.trailers;
        recorded.complete = true;
      });
    }
    handler(req, res, recorded);
  });
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  server.on('connection', (socket: net.Socket) => {
    connectionIndex.set(socket, connections++);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // a 'data' listener of our own: node:http then reads through JS and we see every byte
    socket.on('data', (chunk: Buffer) => {
      bytesReceived += chunk.length;
      if (chunks.length < 10_000) chunks.push(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    server,
    requests,
    get connections() {
      return connections;
    },
    get bytesReceived() {
      return bytesReceived;
    },
    raw: () => Buffer.concat(chunks).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
