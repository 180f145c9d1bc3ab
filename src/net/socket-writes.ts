// Writes to a plain TCP socket straight to its handle, without the Writable machinery.
//
// `socket.write()` costs, per call, Writable's bookkeeping (`writeOrBuffer`, the state's
// counters), a write request object and, after the write, an `afterWrite` tick, even when the
// kernel takes every byte at once, which is what happens to nearly every response and request head
// a proxy writes. Here a write goes to the handle's own `writeLatin1String`/`writeBuffer` (what
// Writable ends up calling), with one request object reused for as long as the kernel takes the
// bytes at once. Only when it does not (the write is queued in libuv) is the request kept and a new
// one made next time; its completion is counted here, and 'drain' is emitted on the socket when a
// write that said "wait" has gone out, so callers keep listening for 'drain' as before.
//
// Order is kept with the ordinary path: libuv queues a handle's writes in the order they were
// made, and a write goes direct only when nothing is buffered or in flight in the socket's own
// Writable (otherwise it goes behind it, through `socket.write`). Corked sockets, sockets still
// connecting or ended, TLS sockets (their handle takes one write at a time) and Nodes without these
// pieces use `socket.write`. `end()` is safe: libuv's shutdown waits for queued writes.
//
// The pieces come from `process.binding('stream_wrap')` (WriteWrap, the stream state array) and
// `process.binding('tcp_wrap')`, both on Node's list of bindings kept for compatibility; checked
// against Node 20 and 24 (test/net/socket-writes.test.ts). Anything missing: `socket.write`.
import type net from 'node:net';
import util from 'node:util';

interface WriteRequest {
  handle: unknown;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | null;
  writer: SocketWriter | null;
}

interface TcpHandle {
  writeLatin1String(req: WriteRequest, data: string): number;
  writeBuffer(req: WriteRequest, data: Buffer): number;
}

interface Binding {
  WriteWrap: new () => WriteRequest;
  TCP: abstract new (...args: never[]) => unknown;
  state: Int32Array;
  bytesWritten: number;
  wasAsync: number;
}

let binding: Binding | null | undefined;

function loadBinding(): Binding | null {
  try {
    const legacy = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
    if (typeof legacy !== 'function') return null;
    const stream = legacy('stream_wrap');
    const tcp = legacy('tcp_wrap');
    const { WriteWrap, streamBaseState, kBytesWritten, kLastWriteWasAsync } = stream;
    const TCP = tcp.TCP;
    if (typeof WriteWrap !== 'function' || typeof TCP !== 'function' || !(streamBaseState instanceof Int32Array)) return null;
    if (typeof kBytesWritten !== 'number' || typeof kLastWriteWasAsync !== 'number') return null;
    const proto = (TCP as { prototype: Partial<TcpHandle> }).prototype;
    if (typeof proto.writeLatin1String !== 'function' || typeof proto.writeBuffer !== 'function') return null;
    return {
      WriteWrap: WriteWrap as Binding['WriteWrap'],
      TCP: TCP as Binding['TCP'],
      state: streamBaseState,
      bytesWritten: kBytesWritten,
      wasAsync: kLastWriteWasAsync,
    };
  } catch {
    return null;
  }
}

function directBinding(): Binding | null {
  if (binding === undefined) binding = loadBinding();
  return binding;
}

function onWriteDone(this: WriteRequest, status: number): void {
  const writer = this.writer;
  this.writer = null;
  this.buffer = null;
  writer?.queuedWriteDone(this.bytes, status);
}

/** The writes of one socket (one per connection, made with it). */
export class SocketWriter {
  /** a request the kernel has not been given yet, or null: the last one is queued in libuv */
  private request: WriteRequest | null = null;
  /** bytes of direct writes still queued in libuv */
  private queuedBytes = 0;
  /** a direct write returned false: emit 'drain' once they are all out */
  private waiting = false;
  private readonly direct: Binding | null;

  constructor(private readonly socket: net.Socket) {
    this.direct = directBinding();
  }

  /** Bytes written but not yet taken by the kernel (direct and through the socket's Writable). */
  get queued(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /** As `socket.write`: false means wait for 'drain'. A string is written as latin1. */
  write(data: string | Buffer): boolean {
    const socket = this.socket;
    const b = this.direct;
    const handle = (socket as unknown as { _handle?: TcpHandle | null })._handle;
    if (
      b === null ||
      handle === null ||
      handle === undefined ||
      socket.connecting ||
      socket.writableLength !== 0 ||
      socket.writableCorked !== 0 ||
      socket.writableEnded ||
      socket.destroyed ||
      !(handle instanceof b.TCP)
    ) {
      return typeof data === 'string' ? socket.write(data, 'latin1') : socket.write(data);
    }
    let req = this.request;
    if (req === null) {
      req = new b.WriteWrap();
      req.handle = handle;
      req.oncomplete = onWriteDone;
      req.async = false;
      req.buffer = null;
      req.writer = null;
      this.request = req;
    }
    const err = typeof data === 'string' ? handle.writeLatin1String(req, data) : handle.writeBuffer(req, data);
    if (err !== 0) {
      socket.destroy(writeError(err));
      return false;
    }
    if (b.state[b.wasAsync] === 0) return true;
    // queued in libuv: this request is in use until its completion; keep the bytes alive
    this.request = null;
    req.async = true;
    req.bytes = b.state[b.bytesWritten]!;
    req.buffer = typeof data === 'string' ? null : data;
    req.writer = this;
    this.queuedBytes += req.bytes;
    if (this.queuedBytes < socket.writableHighWaterMark) return true;
    this.waiting = true;
    return false;
  }

  /** @internal a queued direct write has gone out (or failed, or was cancelled by a close) */
  queuedWriteDone(bytes: number, status: number): void {
    this.queuedBytes -= bytes;
    const socket = this.socket;
    if (status < 0) {
      if (!socket.destroyed) socket.destroy(writeError(status));
      return;
    }
    // (bytes written through the Writable meanwhile may still be queued: the caller's next write
    // says so, and the Writable emits its own 'drain' then)
    if (this.waiting && this.queuedBytes === 0) {
      this.waiting = false;
      if (!socket.destroyed) socket.emit('drain');
    }
  }
}

function writeError(errno: number): NodeJS.ErrnoException {
  const code = util.getSystemErrorName(errno);
  const error: NodeJS.ErrnoException = new Error(`write ${code}`);
  error.errno = errno;
  error.code = code;
  error.syscall = 'write';
  return error;
}

/** For tests: behave as on a Node without the pieces (null), or detect again (undefined). */
export function resetWriteDetectionForTests(value?: null): void {
  binding = value;
}
