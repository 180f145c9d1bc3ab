import net from 'node:net';
import type tls from 'node:tls';
import { connectWithTransport } from './transport.js';
import type { Backend } from '../../pool/backend.js';
import { deadlines, type HasDeadline } from '../../net/deadlines.js';
import { SocketWriter } from '../../net/socket-writes.js';

const READ_BUFFER_SIZE = 64 * 1024;

/** The one exchange using an upstream connection; it receives the socket's events. */
export interface UpstreamUser {
  upstreamConnected(conn: UpstreamConnection): void;
  upstreamData(conn: UpstreamConnection, data: Buffer): void;
  /** the socket closed (or failed to connect) while this user held it */
  upstreamClosed(conn: UpstreamConnection, error: Error | undefined): void;
  upstreamDrain(conn: UpstreamConnection): void;
  upstreamTimeout(conn: UpstreamConnection): void;
  /** asked once per new connection: null for plain TCP (the fast path), else TLS and/or a PROXY header */
  upstreamTransport(): UpstreamTransport | null;
}

/** How a connection to a backend is opened when it is not plain TCP. */
export interface UpstreamTransport {
  tls: tls.ConnectionOptions | null;
  /** sent first (before TLS); such a connection carries one client's requests only and is never pooled */
  proxyHeader: Buffer | null;
}

/**
 * A raw TCP connection to a backend, reused across requests. Its event handlers are
 * bound once per socket; each request only swaps `user`.
 */
export class UpstreamConnection implements HasDeadline {
  readonly socket: net.Socket;
  private readonly writer: SocketWriter;
  user: UpstreamUser | null;
  connected = false;
  /** it has completed at least one exchange: a failure before any response byte may be a stale socket */
  reused = false;
  closed = false;
  /** opened for one client (PROXY header): never reused by another */
  readonly private: boolean;
  deadline = 0;
  private error: Error | undefined;
  /** where the next read lands; null once a previous read's bytes are still referenced */
  private readBuffer: Buffer | null = null;

  constructor(
    readonly backend: Backend,
    /** told of every close, so the pool can forget the connection */
    private readonly onClosed: (conn: UpstreamConnection) => void,
    user: UpstreamUser,
  ) {
    this.user = user;
    // Reads land in a buffer of our own (no stream machinery, no allocation per read)
    // as long as the previous read's bytes are not still queued somewhere.
    const transport = user.upstreamTransport();
    const socket =
      transport === null
        ? net.connect({
            host: backend.host,
            port: backend.port,
            noDelay: true,
            onread: { buffer: this.nextReadBuffer, callback: this.onRead },
          })
        : connectWithTransport(backend, transport, this.onRead);
    this.socket = socket;
    this.writer = new SocketWriter(socket);
    this.private = transport !== null && transport.proxyHeader !== null;
    socket.on(transport?.tls ? 'secureConnect' : 'connect', this.onConnect);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    deadlines.add(this);
  }

  write(data: string | Buffer): boolean {
    return this.writer.write(data);
  }

  destroy(): void {
    if (!this.closed) this.socket.destroy();
  }

  onDeadline(): void {
    if (this.user !== null) this.user.upstreamTimeout(this);
    else this.destroy(); // idle in the pool for too long
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    this.user?.upstreamConnected(this);
  };

  /**
   * The bytes of the last read are referenced after it (queued in a socket that could not
   * flush them): the next read must go to a fresh buffer.
   */
  readBufferLent(): void {
    this.readBuffer = null;
  }

  private readonly nextReadBuffer = (): Buffer => (this.readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE));

  private readonly onRead = (length: number, buffer: Buffer): boolean => {
    if (this.user !== null) this.user.upstreamData(this, buffer.subarray(0, length));
    else this.destroy(); // bytes on an idle connection: the backend is confused, never reuse it
    return true;
  };

  private readonly onDrain = (): void => {
    this.user?.upstreamDrain(this);
  };

  private readonly onError = (error: Error): void => {
    this.error = error;
  };

  private readonly onClose = (): void => {
    this.closed = true;
    deadlines.delete(this);
    const user = this.user;
    this.user = null;
    this.onClosed(this);
    if (user !== null) user.upstreamClosed(this, this.error);
  };
}
