// A header block that arrives in pieces: a HEADERS frame without END_HEADERS, then CONTINUATION
// frames on the same stream until one has it (RFC 9113 §6.10), with the caps against floods.
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, Flag } from './constants.js';
import { FrameError } from './frame-error.js';

/** CONTINUATION frames after a HEADERS frame before the block is taken as a flood */
const MAX_CONTINUATIONS = 64;

export class HeaderBlockAssembly {
  /** the stream whose block is in progress; 0 when none is */
  stream = 0;
  /** END_STREAM of the HEADERS frame that started the block */
  endStream = false;
  private parts: Buffer[] = [];
  private bytes = 0;
  private continuations = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxHeaderListSize: number,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
  ) {}

  get inProgress(): boolean {
    return this.stream !== 0;
  }

  /** The first fragment (from HEADERS); copied, since frames are views into a read buffer. */
  start(id: number, endStream: boolean, fragment: Buffer): void {
    this.stream = id;
    this.endStream = endStream;
    this.parts = [Buffer.from(fragment)];
    this.bytes = fragment.length;
    this.continuations = 0;
    this.timer = setTimeout(this.expired, this.timeoutMs);
    this.timer.unref();
  }

  /** A CONTINUATION frame; returns the whole block once END_HEADERS came, else null. */
  add(flags: number, id: number, payload: Buffer): Buffer | null {
    if (this.stream === 0 || id !== this.stream) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without a header block');
    this.bytes += payload.length;
    // a block longer than the list it may decode to, or cut in too many pieces, is a flood (CVE-2024-27316)
    if (++this.continuations > MAX_CONTINUATIONS || this.bytes > this.maxHeaderListSize + DEFAULT_MAX_FRAME_SIZE) {
      throw new FrameError(ErrorCode.ENHANCE_YOUR_CALM, 'CONTINUATION flood');
    }
    this.parts.push(Buffer.from(payload));
    if ((flags & Flag.END_HEADERS) === 0) return null;
    const block = Buffer.concat(this.parts, this.bytes);
    this.stream = 0;
    this.parts = [];
    this.stopTimer();
    return block;
  }

  stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly expired = (): void => {
    this.timer = null;
    this.onTimeout();
  };
}
