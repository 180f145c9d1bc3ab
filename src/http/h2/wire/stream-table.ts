// The streams of a connection and the rules of their ids (RFC 9113 §5.1.1): the client opens odd
// ids in increasing order; an id at or below the last one opened is closed (or still open, when
// in the table); above it is idle. Ids we reset lately are remembered, so that frames the client
// had in flight before it saw the reset are ignored rather than taken as errors.
import type { ServerStream } from './server-stream.js';

/** ids of streams we reset lately, whose in-flight frames are ignored */
const RECENT_RESETS = 32;

export class StreamTable {
  readonly open = new Map<number, ServerStream>();
  /** the highest stream id the client opened */
  lastId = 0;
  private readonly recentResets: number[] = [];

  get size(): number {
    return this.open.size;
  }

  get(id: number): ServerStream | undefined {
    return this.open.get(id);
  }

  /** never opened yet: a frame other than HEADERS (or PRIORITY) on it is a connection error */
  isIdle(id: number): boolean {
    return id > this.lastId;
  }

  add(stream: ServerStream): void {
    this.open.set(stream.id, stream);
  }

  delete(id: number): void {
    this.open.delete(id);
  }

  rememberReset(id: number): void {
    if (this.recentResets.length >= RECENT_RESETS) this.recentResets.shift();
    this.recentResets.push(id);
  }

  wasResetLately(id: number): boolean {
    return this.recentResets.includes(id);
  }

  /** Empties the table; returns the streams that were in it. */
  takeAll(): ServerStream[] {
    const streams = [...this.open.values()];
    this.open.clear();
    return streams;
  }
}
