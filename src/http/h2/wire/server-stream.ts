// One stream of Fulcrum's own HTTP/2 server connection: a plain object with its two flow-control
// windows, the request body held while paused, and the response body queued until the client's
// windows let it go. Frames are written by the connection (server-connection.ts).
import type { ClientStream, ClientStreamHandler } from '../client-stream.js';
import { ErrorCode } from './constants.js';

/** response bytes queued per stream before `write` says wait (the backend is then paused) */
const QUEUE_HIGH_WATER = 64 * 1024;

/** What a stream needs from its connection. */
export interface StreamConnection {
  sendHeaders(stream: ServerStream, status: number, headers: string[], endStream: boolean): void;
  /** the stream has response bytes or an end to send */
  wantsToSend(stream: ServerStream): void;
  /** return `bytes` of the stream's receive window to the client (WINDOW_UPDATE) */
  consumed(stream: ServerStream, bytes: number): void;
  resetStream(stream: ServerStream, code: number): void;
}

export class ServerStream implements ClientStream {
  handler: ClientStreamHandler | null = null;
  headersSent = false;
  closed = false;
  /** the client sent END_STREAM */
  remoteEnded: boolean;
  // receiving
  /** what the client may still send on this stream */
  recvWindow: number;
  /** bytes handed to the exchange and not yet returned to the client's window */
  unacked = 0;
  received = 0;
  expectedLength = -1;
  private paused = false;
  /** body (and the end) received while paused */
  private held: Buffer[] | null = null;
  private heldEnd = false;
  private heldTrailers: string[] | null = null;
  // sending
  /** what we may still send on this stream (the client's window) */
  sendWindow: number;
  queue: Buffer[] = [];
  queuedBytes = 0;
  /** end() was called: after the queue, END_STREAM (on trailers when there are) */
  localEnded = false;
  trailers: string[] | null = null;
  /** END_STREAM went out */
  finSent = false;
  /** in the connection's list of streams with something to send */
  sending = false;
  /** write() said wait: onWritable when the queue has room */
  waitingForRoom = false;
  /** reset with NO_ERROR once the response is out, if the request is still open */
  resetAfterResponse = false;

  constructor(
    readonly id: number,
    private readonly conn: StreamConnection,
    readonly endAfterHeaders: boolean,
    recvWindow: number,
    sendWindow: number,
  ) {
    this.remoteEnded = endAfterHeaders;
    this.recvWindow = recvWindow;
    this.sendWindow = sendWindow;
  }

  respond(status: number, headers: string[], endStream: boolean, _trailers?: boolean): void {
    if (this.headersSent || this.closed) return;
    this.headersSent = true;
    if (endStream) this.localEnded = true;
    this.conn.sendHeaders(this, status, headers, endStream);
  }

  write(chunk: Buffer | string): boolean {
    if (this.closed || this.localEnded) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.length === 0) return this.queuedBytes < QUEUE_HIGH_WATER;
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    this.conn.wantsToSend(this);
    if (this.queuedBytes < QUEUE_HIGH_WATER) return true;
    this.waitingForRoom = true;
    return false;
  }

  end(trailers?: string[] | null): void {
    if (this.closed || this.localEnded) return;
    this.localEnded = true;
    this.trailers = trailers !== undefined && trailers !== null && trailers.length > 0 ? trailers : null;
    this.conn.wantsToSend(this);
  }

  reset(code: number): void {
    if (!this.closed) this.conn.resetStream(this, code);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    if (held !== null) {
      this.held = null;
      for (let i = 0; i < held.length; i++) {
        if (this.closed) return;
        this.deliver(held[i]!);
        if (this.paused) {
          // paused again while handing over: keep the rest
          if (i + 1 < held.length) this.held = held.slice(i + 1);
          return;
        }
      }
    }
    if (this.heldEnd && !this.closed) {
      this.heldEnd = false;
      this.handler?.onEnd(this.heldTrailers);
      this.heldTrailers = null;
    }
  }

  stopReceiving(): void {
    if (this.remoteEnded || this.closed) return;
    this.resetAfterResponse = true;
    if (this.finSent) this.conn.resetStream(this, ErrorCode.NO_ERROR);
  }

  expectContentLength(length: number): void {
    this.expectedLength = length;
  }

  // --- from the connection ---

  /** DATA from the client (padding already taken off and counted). */
  receive(data: Buffer): void {
    if (data.length === 0) return;
    if (this.paused || this.held !== null) {
      (this.held ??= []).push(data);
      return;
    }
    this.deliver(data);
  }

  /** END_STREAM from the client, on DATA or on trailers. */
  ended(trailers: string[] | null): void {
    this.remoteEnded = true;
    if (this.paused || this.held !== null) {
      this.heldEnd = true;
      this.heldTrailers = trailers;
      return;
    }
    this.handler?.onEnd(trailers);
  }

  private deliver(data: Buffer): void {
    const handler = this.handler;
    if (handler !== null) handler.onData(data);
    this.conn.consumed(this, data.length);
  }

  /** Drops what is queued and held; the connection has taken the stream out. */
  closeWith(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.held = null;
    this.handler?.onClose(code);
  }

  /** Room again in the queue after write() said wait. */
  drained(): void {
    if (this.waitingForRoom && this.queuedBytes < QUEUE_HIGH_WATER && !this.closed) {
      this.waitingForRoom = false;
      this.handler?.onWritable();
    }
  }
}
