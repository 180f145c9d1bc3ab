import { FieldList, parseFieldLines } from './fields.js';
import { HttpParseError } from './parse-error.js';

/** Receives what a ChunkedDecoder finds in the stream. */
export interface ChunkSink {
  /** a piece of chunk data: a view into the received buffer, not a copy */
  chunkData(data: Buffer): void;
}

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  Done,
}

const MAX_SIZE_DIGITS = 12; // 2^48 bytes: far beyond any body limit, far below 2^53
const MAX_TRAILER_BYTES = 16 * 1024;
const MAX_TRAILER_FIELDS = 64;
/** chunk extensions are dropped, never relayed: a few KB is plenty, and an endless one is refused as it arrives */
export const MAX_EXTENSION_BYTES_PER_CHUNK = 4 * 1024;
export const MAX_EXTENSION_BYTES_PER_MESSAGE = 16 * 1024;

/**
 * Incremental, strict decoder of the chunked transfer coding (RFC 9112 7.1). It hands
 * chunk data to the sink without copying and keeps trailers for re-serialisation.
 */
export class ChunkedDecoder {
  private state = State.Size;
  private remaining = 0;
  private digits = 0;
  /** extension bytes of the current chunk line, and of the whole body */
  private lineExtension = 0;
  private totalExtension = 0;
  private trailerText = '';
  /** trailer fields, once the body is complete (null if there were none) */
  trailers: FieldList | null = null;
  /** total chunk data bytes seen */
  bodyBytes = 0;

  constructor(
    private readonly sink: ChunkSink,
    /** 400 when decoding a request, 502 for a response */
    private readonly errorStatus: number,
  ) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Consumes `buf[start..]`. Returns the offset just after the end of the body when it
   * ends inside this buffer (the rest belongs to the next message), or -1.
   */
  feed(buf: Buffer, start: number): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case State.Size: {
          const c = buf[i]!;
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw this.error('chunk size too large');
            this.remaining = this.remaining * 16 + v;
            i++;
          } else if (this.digits === 0) {
            throw this.error('invalid chunk size');
          } else if (c === 0x0d) {
            this.state = State.SizeLf;
            i++;
          } else if (c === 0x3b || c === 0x20 || c === 0x09) {
            this.state = State.Extension;
            i++;
          } else {
            throw this.error('invalid chunk size');
          }
          break;
        }
        case State.Extension: {
          // Extensions are dropped: they are never relayed. Only their bytes are checked.
          const c = buf[i]!;
          if (c === 0x0d) this.state = State.SizeLf;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw this.error('invalid chunk extension');
          else if (++this.lineExtension > MAX_EXTENSION_BYTES_PER_CHUNK) throw this.error('chunk extension too long');
          else if (++this.totalExtension > MAX_EXTENSION_BYTES_PER_MESSAGE) throw this.error('chunk extensions too large');
          i++;
          break;
        }
        case State.SizeLf:
          if (buf[i] !== 0x0a) throw this.error('bare CR in chunk framing');
          i++;
          this.digits = 0;
          this.lineExtension = 0;
          this.state = this.remaining === 0 ? State.Trailer : State.Data;
          break;
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          this.remaining -= take;
          this.bodyBytes += take;
          const piece = buf.subarray(i, i + take);
          i += take;
          if (this.remaining === 0) this.state = State.DataCr;
          this.sink.chunkData(piece);
          break;
        }
        case State.DataCr:
          if (buf[i] !== 0x0d) throw this.error('chunk data longer than its size');
          i++;
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (buf[i] !== 0x0a) throw this.error('bare CR in chunk framing');
          i++;
          this.state = State.Size;
          break;
        case State.Trailer: {
          const end = this.readTrailer(buf, i);
          if (end === -1) return -1;
          return end;
        }
        case State.Done:
          return i;
      }
    }
    return this.state === State.Done ? i : -1;
  }

  /** Accumulates trailer lines until the empty line; returns the offset after it, or -1. */
  private readTrailer(buf: Buffer, start: number): number {
    const chunk = buf.toString('latin1', start, buf.length);
    const text = this.trailerText + chunk;
    // The section is the lines before an empty line: "\r\n" right away, or "...\r\n\r\n".
    let end: number;
    let consumedInText: number;
    if (text.startsWith('\r\n')) {
      end = 0;
      consumedInText = 2;
    } else {
      const at = text.indexOf('\r\n\r\n');
      if (at === -1) {
        if (text.length > MAX_TRAILER_BYTES) throw this.error('trailer section too large');
        if (hasBareLf(text)) throw this.error('bare LF in trailers');
        this.trailerText = text;
        return -1;
      }
      end = at;
      consumedInText = at + 4;
    }
    if (end > MAX_TRAILER_BYTES) throw this.error('trailer section too large');
    if (end > 0) {
      const fields = new FieldList();
      parseFieldLines(text, 0, end, fields, MAX_TRAILER_FIELDS, this.errorStatus);
      this.trailers = fields;
    }
    this.state = State.Done;
    // offset in `buf`: what was consumed from text minus what came from earlier buffers
    return start + (consumedInText - this.trailerText.length);
  }

  private error(reason: string): HttpParseError {
    return new HttpParseError(this.errorStatus, reason);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function hasBareLf(s: string): boolean {
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) {
    if (i === 0 || s.charCodeAt(i - 1) !== 0x0d) return true;
  }
  return false;
}

/** Serialises trailer fields as the end of a chunked body ("0\r\n" + fields + "\r\n"). */
export function lastChunk(trailers: FieldList | null, skip?: (lowerName: string) => boolean): string {
  if (trailers === null) return '0\r\n\r\n';
  let out = '0\r\n';
  for (let i = 0; i < trailers.length; i++) {
    if (skip !== undefined && skip(trailers.lower[i]!)) continue;
    out += trailers.names[i] + ': ' + trailers.values[i] + '\r\n';
  }
  return out + '\r\n';
}
