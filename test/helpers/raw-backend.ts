// A backend written on node:net, for responses node:http would never send: garbage status
// lines, bodies delimited by close, connections dropped mid-request. It records every byte.
import net from 'node:net';

export interface RawBackendConnection {
  socket: net.Socket;
  /** 0-based order of acceptance */
  index: number;
  /** everything received on this connection */
  received: Buffer;
  /** request heads seen so far on this connection (for bodiless requests) */
  heads: string[];
}

export interface RawBackend {
  port: number;
  address: string;
  connections: RawBackendConnection[];
  /** all request heads, all connections, in arrival order */
  heads: string[];
  readonly bytesReceived: number;
  close(): Promise<void>;
}

/**
 * `onHead(conn, head, n)` runs for each request head (up to CRLFCRLF) that arrives on a
 * connection, `n` being its 0-based number on that connection. Bodies are not parsed:
 * use it with requests without bodies, or look at `received`.
 */
export async function startRawBackend(onHead: (conn: RawBackendConnection, head: string, n: number) => void): Promise<RawBackend> {
  const connections: RawBackendConnection[] = [];
  const heads: string[] = [];
  let bytesReceived = 0;
  const server = net.createServer((socket) => {
    const conn: RawBackendConnection = { socket, index: connections.length, received: Buffer.alloc(0), heads: [] };
    connections.push(conn);
    let scanned = 0;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      bytesReceived += chunk.length;
      conn.received = Buffer.concat([conn.received, chunk]);
      for (;;) {
        const end = conn.received.indexOf('\r\n\r\n', scanned);
        if (end === -1) break;
        const head = conn.received.toString('latin1', scanned, end);
        scanned = end + 4;
        conn.heads.push(head);
        heads.push(head);
        onHead(conn, head, conn.heads.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    connections,
    heads,
    get bytesReceived() {
      return bytesReceived;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const conn of connections) conn.socket.destroy();
      }),
  };
}

/** A port nothing listens on (bound, then released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
