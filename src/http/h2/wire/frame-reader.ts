import { ErrorCode, FRAME_HEADER_SIZE } from './constants.js';
import { FrameError } from './frame-error.js';

export { FrameError, StreamError } from './frame-error.js';

export interface FrameHandler {
  /** one whole frame; `payload` is only valid during the call (may be a view into the input chunk) */
  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void;
}

/** an assembly buffer up to this size is kept for the next partial frame; a bigger one is dropped after use */
const KEEP_ASSEMBLY_BYTES = FRAME_HEADER_SIZE + 16384;

/**
 * Cuts a byte stream into HTTP/2 frames (RFC 9113 §4.1). A frame that lies within one chunk
 * reaches the handler as a view into that chunk; only a frame split across chunks is copied,
 * into an assembly buffer that is reused. Chunks are never retained past push(), so they may be
 * views into a read buffer the caller reuses.
 *
 * After a FrameError from the reader itself the reader is stopped. When the handler throws, the
 * error propagates and the unread rest of the chunk is kept: the next push() goes on after the
 * frame that threw.
 */
export class FrameReader {
  private maxFrameSize: number;
  private assembly: Buffer | null = null;
  /** bytes of the current partial frame in `assembly` */
  private held = 0;
  /** header plus payload size of the partial frame, once its header is complete */
  private needed = 0;
  /** what was left unread when the handler threw (rare: copied, not reused) */
  private backlog: Buffer | null = null;
  private stopped = false;
  /** where the unread part of the current chunk starts, kept for the handler throwing */
  private cursor = 0;

  constructor(
    private readonly handler: FrameHandler,
    maxFrameSize: number,
  ) {
    this.maxFrameSize = maxFrameSize;
  }

  /** bytes held waiting for the rest of a frame */
  get buffered(): number {
    return this.held + (this.backlog === null ? 0 : this.backlog.length);
  }

  /** the largest payload accepted from now on (our SETTINGS_MAX_FRAME_SIZE once acknowledged) */
  setMaxFrameSize(n: number): void {
    this.maxFrameSize = n;
  }

  /** Stops at once, even inside push() (from the handler): no more frames are delivered and held bytes are dropped. */
  stop(): void {
    this.stopped = true;
    this.assembly = null;
    this.backlog = null;
    this.held = 0;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.backlog !== null) {
      chunk = Buffer.concat([this.backlog, chunk]);
      this.backlog = null;
    }
    let pos = 0;
    this.cursor = 0;
    try {
      if (this.held > 0) {
        pos = this.completePartial(chunk);
        if (pos === -1 || this.stopped) return;
      }
      const n = chunk.length;
      while (n - pos >= FRAME_HEADER_SIZE) {
        const length = this.checkedLength(chunk, pos);
        const frameEnd = pos + FRAME_HEADER_SIZE + length;
        if (frameEnd > n) break;
        const type = chunk[pos + 3]!;
        const flags = chunk[pos + 4]!;
        const streamId = chunk.readUInt32BE(pos + 5) & 0x7fffffff;
        const payload = chunk.subarray(pos + FRAME_HEADER_SIZE, frameEnd);
        this.cursor = pos = frameEnd;
        this.handler.onFrame(type, flags, streamId, payload);
        if (this.stopped) return;
      }
      if (pos < n) this.hold(chunk, pos);
    } catch (error) {
      if (!this.stopped && this.cursor < chunk.length) this.backlog = Buffer.from(chunk.subarray(this.cursor));
      throw error;
    }
  }

  /** Adds the start of `chunk` to the partial frame; returns where the chunk's own frames start, or -1 when it was all used. */
  private completePartial(chunk: Buffer): number {
    const assembly = this.assembly!;
    let pos = 0;
    if (this.held < FRAME_HEADER_SIZE) {
      const take = Math.min(FRAME_HEADER_SIZE - this.held, chunk.length);
      chunk.copy(assembly, this.held, 0, take);
      this.held += take;
      pos = take;
      if (this.held < FRAME_HEADER_SIZE) return -1;
      this.startPartial();
    }
    const take = Math.min(this.needed - this.held, chunk.length - pos);
    chunk.copy(this.assembly!, this.held, pos, pos + take);
    this.held += take;
    pos += take;
    if (this.held < this.needed) return -1;

    const full = this.assembly!;
    const needed = this.needed;
    this.held = 0;
    if (full.length > KEEP_ASSEMBLY_BYTES) this.assembly = null;
    this.cursor = pos;
    this.handler.onFrame(full[3]!, full[4]!, full.readUInt32BE(5) & 0x7fffffff, full.subarray(FRAME_HEADER_SIZE, needed));
    return pos;
  }

  /** The header of the partial frame is complete: check its length and make room for the payload. */
  private startPartial(): void {
    const length = this.checkedLength(this.assembly!, 0);
    this.needed = FRAME_HEADER_SIZE + length;
    if (this.assembly!.length < this.needed) {
      const bigger = Buffer.allocUnsafe(this.needed);
      this.assembly!.copy(bigger, 0, 0, FRAME_HEADER_SIZE);
      this.assembly = bigger;
    }
  }

  /** Copies `chunk[pos..]`, the start of a frame, into the assembly buffer. */
  private hold(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos;
    const size = rest >= FRAME_HEADER_SIZE ? FRAME_HEADER_SIZE + chunk.readUIntBE(pos, 3) : FRAME_HEADER_SIZE;
    if (this.assembly === null || this.assembly.length < size) this.assembly = Buffer.allocUnsafe(size);
    chunk.copy(this.assembly, 0, pos);
    this.held = rest;
    if (rest >= FRAME_HEADER_SIZE) this.needed = size;
  }

  private checkedLength(buf: Buffer, at: number): number {
    const length = buf.readUIntBE(at, 3);
    if (length > this.maxFrameSize) {
      this.stop();
      throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes exceeds the maximum frame size ${this.maxFrameSize}`);
    }
    return length;
  }
}
