import type net from 'node:net';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import { deadlines, type HasDeadline } from '../net/deadlines.js';
import type { UpstreamConnection, UpstreamTransport, UpstreamUser } from './upstream/connection.js';
import { isHopByHop } from './forwarding.js';
import type { ResponseHead } from './h1/response-head.js';
import { splitList } from './h1/fields.js';

/**
 * The 101 head for the client: the backend's fields without its hop-by-hop ones, then
 * Connection/Upgrade re-emitted and `extra` field lines. null when the backend's 101 does not
 * switch to websocket (its Upgrade must name the protocol asked for, RFC 9110 7.8).
 */
export function switchingProtocolsHead(head: ResponseHead, extra: string): string | null {
  const upgrade = head.fields.get('upgrade');
  if (upgrade === undefined) return null;
  const protocols: string[] = [];
  splitList(upgrade, protocols);
  if (protocols.length !== 1 || protocols[0] !== 'websocket') return null;
  let out = 'HTTP/1.1 101 ' + (head.reason === '' ? 'Switching Protocols' : head.reason) + '\r\n';
  const { names, lower, values } = head.fields;
  for (let i = 0; i < names.length; i++) {
    if (!isHopByHop(lower[i]!, head.connectionTokens)) out += names[i] + ': ' + values[i] + '\r\n';
  }
  return out + 'Connection: Upgrade\r\nUpgrade: websocket\r\n' + extra + '\r\n';
}

/**
 * What a connection becomes after a backend answered 101 Switching Protocols (WebSocket):
 * raw bytes both ways, with backpressure (a full side pauses the other) and half-close (an
 * end on one side ends the other's writing side), closed after `idleMs` without a byte.
 *
 * The upstream socket is never pooled again, and the backend's `active` count stays raised
 * until the tunnel closes, so least-connections sees every open WebSocket. The socket stays
 * among the pool's open connections (busy, never idle), so the tunnel counts towards the
 * breaker's maxConnections and a drain's idle check, and a drain timeout or close() ends it.
 */
export class Tunnel implements UpstreamUser, HasDeadline {
  deadline = 0;
  private finished = false;

  constructor(
    private readonly clientSocket: net.Socket,
    private readonly conn: UpstreamConnection,
    private readonly service: Service,
    /** its `active` was raised for this tunnel: lowered once, when the tunnel closes */
    private readonly backend: Backend,
    private readonly idleMs: number,
    /** client bytes received after the request head (a first frame sent early) */
    clientBytes: Buffer | null,
    /** upstream bytes received after the 101 head */
    upstreamBytes: Buffer | null,
  ) {
    const socket = clientSocket;
    conn.user = this;
    conn.deadline = 0;
    // keep our writing side open when the backend ends its own: half-close is relayed
    conn.socket.allowHalfOpen = true;
    conn.socket.on('end', this.onUpstreamEnd);
    socket.on('data', this.onClientData);
    socket.on('drain', this.onClientDrain);
    socket.on('end', this.onClientEnd);
    socket.on('close', this.onClientClose);
    this.touch();
    deadlines.add(this);
    if (upstreamBytes !== null) this.upstreamData(conn, upstreamBytes);
    if (clientBytes !== null) this.onClientData(clientBytes);
    if (socket.readableEnded) this.onClientEnd();
    if (socket.destroyed) this.close();
  }

  onDeadline(): void {
    this.close();
  }

  /** Closes both sides now. */
  close(): void {
    this.conn.destroy();
    this.clientSocket.destroy();
    this.finish();
  }

  // --- upstream -> client (UpstreamUser) ---

  upstreamData(conn: UpstreamConnection, data: Buffer): void {
    this.touch();
    const socket = this.clientSocket;
    if (!socket.write(data)) conn.socket.pause();
    // the bytes sit in the connection's reusable read buffer until the client socket flushes them
    if (socket.writableLength !== 0) conn.readBufferLent();
  }

  upstreamDrain(): void {
    this.clientSocket.resume();
  }

  upstreamClosed(): void {
    // a clean end was already relayed by onUpstreamEnd; an abrupt close cuts the client too
    if (this.clientSocket.writableEnded) this.finish();
    else this.close();
  }

  upstreamTimeout(): void {
    this.close();
  }

  upstreamConnected(): void {}

  upstreamTransport(): UpstreamTransport | null {
    return null;
  }

  // --- client -> upstream ---

  private readonly onClientData = (chunk: Buffer): void => {
    this.touch();
    if (!this.conn.write(chunk)) this.clientSocket.pause();
  };

  private readonly onClientDrain = (): void => {
    this.conn.socket.resume();
  };

  private readonly onClientEnd = (): void => {
    if (!this.conn.closed) this.conn.socket.end();
  };

  private readonly onUpstreamEnd = (): void => {
    if (!this.clientSocket.destroyed) this.clientSocket.end();
  };

  private readonly onClientClose = (): void => {
    // the client went away: the backend side goes too, unless it is only flushing its last
    // bytes after both ends were relayed (its close then reaches upstreamClosed)
    if (this.conn.closed) this.finish();
    else if (!this.conn.socket.writableEnded) this.conn.destroy();
  };

  private touch(): void {
    this.deadline = deadlines.at(this.idleMs);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.deadline = 0;
    deadlines.delete(this);
    this.backend.tunnel(-1);
    // re-read the counters of the balancer in service now (it may have been rebuilt meanwhile)
    this.service.balancer.onStart?.(this.backend);
  }
}
