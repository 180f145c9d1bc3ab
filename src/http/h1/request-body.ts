// An HTTP/1.1 request body on its way from the client to the backend: Content-Length bodies as
// slices of what was received, chunked ones decoded strictly and re-encoded (extensions never
// relayed, trailers re-serialised without framing fields), bytes that arrive before the upstream
// connection is ready kept until it is.
import { ChunkedDecoder, lastChunk, type ChunkSink } from './chunked.js';
import { HttpParseError } from './parse-error.js';
import type { RequestHead } from './request-head.js';

/** Where the body goes: the upstream connection's write (false = its buffer is full). */
export interface BodyDestination {
  write(data: string | Buffer): boolean;
}

const enum Framing {
  None,
  Length,
  Chunked,
}

export class RequestBodyRelay implements ChunkSink {
  private readonly framing: Framing;
  private readonly length: number;
  private remaining: number;
  private decoder: ChunkedDecoder | null = null;
  /** received before the upstream could take it */
  private buffered: Buffer | null = null;
  /** every body byte was relayed (true at once for a request without a body) */
  done: boolean;
  /** a body byte went to the backend: the request can no longer be replayed */
  sent = false;
  /** the destination's buffer filled up during the last relay: pause the client until it drains */
  full = false;
  private destination: BodyDestination | null = null;

  constructor(
    head: RequestHead,
    /** 0 = unlimited (only chunked bodies need it here: a too long Content-Length is refused earlier) */
    private readonly maxBodyBytes: number,
  ) {
    this.framing = head.chunked ? Framing.Chunked : head.contentLength > 0 ? Framing.Length : Framing.None;
    this.length = this.remaining = head.contentLength > 0 ? head.contentLength : 0;
    this.done = this.framing === Framing.None;
  }

  get hasBody(): boolean {
    return this.framing !== Framing.None;
  }

  /** The length to declare upstream: the Content-Length, -1 for chunked, -2 for no body. */
  get declaredLength(): number {
    return this.framing === Framing.Chunked ? -1 : this.framing === Framing.Length ? this.length : -2;
  }

  /** Keep body bytes (from `start`) until `takeBuffered`: the upstream is not ready yet. */
  keep(chunk: Buffer, start: number): void {
    const rest = start === 0 ? chunk : chunk.subarray(start);
    this.buffered = this.buffered === null ? rest : Buffer.concat([this.buffered, rest]);
  }

  takeBuffered(): Buffer | null {
    const buffered = this.buffered;
    this.buffered = null;
    return buffered;
  }

  /** The upstream is ready: a chunked body needs its decoder from now on. */
  begin(): void {
    if (this.framing === Framing.Chunked && this.decoder === null) this.decoder = new ChunkedDecoder(this, 400);
  }

  /**
   * Relay body bytes from `chunk[start..]` to `to`. Returns the offset where the body ended in
   * `chunk` (what follows is the next request), or -1 while more is expected. Throws an
   * HttpParseError for a malformed or too large chunked body.
   */
  relay(to: BodyDestination, chunk: Buffer, start: number): number {
    this.full = false;
    if (this.framing === Framing.Length) {
      const take = Math.min(this.remaining, chunk.length - start);
      this.remaining -= take;
      this.sent = true;
      if (!to.write(start === 0 && take === chunk.length ? chunk : chunk.subarray(start, start + take))) this.full = true;
      if (this.remaining !== 0) return -1;
      this.done = true;
      return start + take;
    }
    const decoder = this.decoder!;
    this.destination = to;
    const end = decoder.feed(chunk, start);
    if (this.maxBodyBytes > 0 && decoder.bodyBytes > this.maxBodyBytes) throw new HttpParseError(413, 'request body too large');
    if (end === -1) return -1;
    to.write(lastChunk(decoder.trailers, isTrailerDropped));
    this.done = true;
    return end;
  }

  /** Chunk data from the decoder (ChunkSink), re-framed for the backend. */
  chunkData(data: Buffer): void {
    if (data.length === 0) return;
    const to = this.destination!;
    this.sent = true;
    to.write(data.length.toString(16) + '\r\n');
    to.write(data);
    if (!to.write('\r\n')) this.full = true;
  }
}

/** Trailer fields that must not be relayed: framing, routing and connection control. */
export function isTrailerDropped(lowerName: string): boolean {
  return lowerName === 'content-length' || lowerName === 'transfer-encoding' || lowerName === 'host' || lowerName === 'connection' || lowerName === 'trailer' || lowerName === 'te';
}
