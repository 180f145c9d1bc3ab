import { ChunkedDecoder, type ChunkSink } from './chunked.js';
import type { FieldList } from './fields.js';
import { HttpParseError } from './parse-error.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_RESPONSE_HEAD = 64 * 1024;

/** How a response body is delimited. */
export const enum Framing {
  None,
  Length,
  Chunked,
  /** the response body runs until the backend closes */
  UntilClose,
}

/** What a ResponseReader finds in a backend's HTTP/1.1 response. */
export interface ResponseSink {
  /**
   * An interim (1xx) head; `buf[rest..]` is what follows it. Return true to read on, false
   * to stop here (a 101 that turns the connection into a tunnel, or one that is refused).
   */
  responseInterim(head: ResponseHead, buf: Buffer, rest: number): boolean;
  /**
   * The final head, its framing decided (`reader.framing`, `reader.remaining`).
   * `buf[bodyStart..]` is not consumed yet: hand it to `reader.body` (or take it whole).
   */
  responseFinalHead(head: ResponseHead, buf: Buffer, bodyStart: number): void;
  /** a non-empty piece of body: a view into the received buffer, not a copy */
  responseData(piece: Buffer): void;
  /** the body is complete; `extraBytes`: the backend sent more than this message */
  responseEnd(trailers: FieldList | null, extraBytes: boolean): void;
  /** a malformed head or body: the connection can't be trusted any more */
  responseError(reason: string): void;
}

/**
 * Reads one HTTP/1.1 response from a backend: accumulates the head until CRLFCRLF, skips or
 * hands over 1xx heads, decides the body framing and feeds the body to the sink as views
 * into the received buffers (chunked bodies decoded, extensions dropped).
 */
export class ResponseReader implements ChunkSink {
  /** the final head, once read */
  head: ResponseHead | null = null;
  framing = Framing.None;
  /** body bytes still expected with `Framing.Length` */
  remaining = 0;
  /** part of a head, copied: upstream reads land in a reusable buffer */
  private pending: Buffer | null = null;
  private decoder: ChunkedDecoder | null = null;

  constructor(
    private readonly sink: ResponseSink,
    /** the request was HEAD: the response has no body whatever its fields say */
    private readonly headRequest: boolean,
  ) {}

  /** Forget the response read so far (a retry on another connection). */
  reset(): void {
    this.head = null;
    this.pending = null;
    this.framing = Framing.None;
    this.remaining = 0;
    this.decoder = null;
  }

  /** Part of a head was received and kept. */
  get partial(): boolean {
    return this.pending !== null;
  }

  /** the chunked body's trailers, once it is complete (null without) */
  get trailers(): FieldList | null {
    return this.decoder === null ? null : this.decoder.trailers;
  }

  /** Bytes from the backend. */
  data(data: Buffer): void {
    if (this.head === null) this.readHead(data);
    else this.body(data, 0);
  }

  private readHead(data: Buffer): void {
    let buf = this.pending === null ? data : Buffer.concat([this.pending, data]);
    const sink = this.sink;
    for (;;) {
      const end = buf.indexOf(CRLFCRLF);
      if (end === -1) {
        if (buf.length > MAX_RESPONSE_HEAD) return sink.responseError('response head too large');
        // a copy: `data` lives in the connection's reusable read buffer
        this.pending = Buffer.from(buf);
        return;
      }
      let head: ResponseHead;
      try {
        head = parseResponseHead(buf.toString('latin1', 0, end), end);
      } catch (error) {
        if (error instanceof HttpParseError) return sink.responseError(error.reason);
        throw error;
      }
      const rest = end + 4;
      if (head.status >= 100 && head.status < 200) {
        this.pending = null;
        if (!sink.responseInterim(head, buf, rest) || rest >= buf.length) return;
        buf = buf.subarray(rest);
        continue;
      }
      this.pending = null;
      this.head = head;
      const status = head.status;
      if (this.headRequest || status === 204 || status === 304) this.framing = Framing.None;
      else if (head.chunked) this.framing = Framing.Chunked;
      else if (head.contentLength >= 0) this.framing = head.contentLength === 0 ? Framing.None : Framing.Length;
      else this.framing = Framing.UntilClose;
      this.remaining = head.contentLength;
      if (this.framing === Framing.Chunked) this.decoder = new ChunkedDecoder(this, 502);
      sink.responseFinalHead(head, buf, rest);
      return;
    }
  }

  /** Body bytes `data[start..]`, after the head. */
  body(data: Buffer, start: number): void {
    switch (this.framing) {
      case Framing.Length: {
        const available = data.length - start;
        const take = available < this.remaining ? available : this.remaining;
        this.remaining -= take;
        if (take > 0) this.sink.responseData(start === 0 && take === data.length ? data : data.subarray(start, start + take));
        if (this.remaining === 0) this.sink.responseEnd(null, take < available);
        return;
      }
      case Framing.Chunked: {
        let end: number;
        try {
          end = this.decoder!.feed(data, start);
        } catch (error) {
          if (error instanceof HttpParseError) return this.sink.responseError(error.reason);
          throw error;
        }
        if (end !== -1) this.sink.responseEnd(this.decoder!.trailers, end < data.length);
        return;
      }
      case Framing.UntilClose:
        if (start < data.length) this.sink.responseData(start === 0 ? data : data.subarray(start));
        return;
      case Framing.None:
        return;
    }
  }

  /** Chunk data from the decoder (ChunkSink). */
  chunkData(data: Buffer): void {
    if (data.length !== 0) this.sink.responseData(data);
  }
}
