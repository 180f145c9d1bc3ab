// Reads of an accepted socket (plain TCP, or TLS: decrypted bytes) into one shared buffer,
// without the stream machinery.
//
// Node offers this through public API only for sockets it connects (`net.connect({ onread })`,
// used by http/upstream/connection.ts). An accepted socket is built by net.Server without it, so
// here the same mode is switched on after the fact, through the three fields `onread` itself
// sets (the symbols described 'kBuffer', 'kBufferCb', 'kBufferGen') and the handle's
// `useUserBuffer`. Everything is feature-detected: where any piece is missing, or the socket is
// not a fresh one, nothing is changed and the caller reads with 'data' as before. A TLSSocket's
// handle (TLSWrap) is a stream of the same kind: it decrypts into the buffer it is given.
// Checked against Node 20 and 24 (test/net/socket-reads.test.ts).
//
// The contract for the caller: the bytes passed to `onRead` are valid only during the call.
// Whatever must outlive it is copied (`ownBytes`), and copied before the caller writes anything
// (a write must not be able to overwrite bytes still in use). One buffer serves every socket of
// the process: reads run one at a time on this thread, each followed at once by its callback.
import type net from 'node:net';

/** What a read lands in; a socket never holds it between reads, so idle connections cost none. */
const SHARED_READ_BUFFER_SIZE = 64 * 1024;
let sharedBuffer: Buffer | null = null;

function readBuffer(): Buffer {
  return (sharedBuffer ??= Buffer.allocUnsafe(SHARED_READ_BUFFER_SIZE));
}

/** `length` bytes arrived at the start of `buffer`. */
export type SharedReadCallback = (length: number, buffer: Buffer) => void;

/** The same, for a relay: returning false pauses the socket until resume() (as net.connect's `onread`). */
export type RelayReadCallback = (length: number, buffer: Buffer) => boolean;

interface StreamHandle {
  reading?: unknown;
  useUserBuffer?: unknown;
}

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let fields: OnreadFields | null | undefined;

/** The socket's own `onread` fields, looked up once; null when this Node has none of that shape. */
function onreadFields(socket: net.Socket): OnreadFields | null {
  if (fields !== undefined) return fields;
  const byName = new Map<string, symbol>();
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description !== undefined) byName.set(symbol.description, symbol);
  }
  const buffer = byName.get('kBuffer');
  const callback = byName.get('kBufferCb');
  const generator = byName.get('kBufferGen');
  fields = buffer !== undefined && callback !== undefined && generator !== undefined ? { buffer, callback, generator } : null;
  return fields;
}

/**
 * From now on, deliver `socket`'s received bytes to `onRead` in the shared buffer (no 'data'
 * events, no Buffer per read). Returns false, changing nothing, when that is not possible here:
 * bytes already buffered or unshifted, another Node's internals. `pause()`, `resume()`,
 * 'end' and 'close' keep working as usual.
 */
export function readIntoSharedBuffer(socket: net.Socket, onRead: SharedReadCallback): boolean {
  return readIntoBuffers(socket, onRead, readBuffer);
}

/**
 * The same, into the buffer `next()` gives, asked again after each read: a caller that lets a read's
 * bytes be queued by a write (a TCP relay) gives a buffer of its own and a new one once the last is
 * still queued. The shared buffer can't be used so: every socket's next read lands in it.
 */
export function readIntoBuffers(socket: net.Socket, onRead: SharedReadCallback | RelayReadCallback, next: () => Buffer): boolean {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (handle === undefined || handle === null || typeof handle.useUserBuffer !== 'function') return false;
  if (socket.readableLength !== 0 || socket.destroyed) return false;
  const f = onreadFields(socket);
  if (f === null) return false;
  const target = socket as unknown as Record<symbol, unknown>;
  if (target[f.buffer] !== null || target[f.callback] !== null || target[f.generator] !== null) return false;
  const buffer = next();
  target[f.generator] = next;
  target[f.callback] = onRead;
  target[f.buffer] = buffer;
  (handle.useUserBuffer as (this: StreamHandle, buf: Buffer) => void).call(handle, buffer);
  return true;
}

/** `bytes` as a Buffer of its own when it lies in the shared read buffer (to keep it past the read). */
export function ownBytes(bytes: Buffer): Buffer {
  return sharedBuffer !== null && bytes.buffer === sharedBuffer.buffer ? Buffer.from(bytes) : bytes;
}

/** For tests: forget the detected fields, as if on another Node. */
export function resetDetectionForTests(value?: null): void {
  fields = value;
}
