// Sends the streams' queued response bodies as DATA, as far as the client's windows (the stream's
// and the connection's) and its SETTINGS_MAX_FRAME_SIZE allow, then their ends (END_STREAM on an
// empty DATA frame, or on trailers). Each turn sends a bounded amount, so that one big response
// does not hold up the other connections.
import { DEFAULT_MAX_FRAME_SIZE } from './constants.js';
import type { ConnectionWindow } from './connection-window.js';
import type { FrameOutput } from './frame-output.js';
import { dataFrameHeader, headersFrames } from './frame-writer.js';
import type { HpackEncoder } from './hpack.js';
import type { ServerStream } from './server-stream.js';

/** response bytes put on the socket per turn before yielding to other connections */
const WRITE_BUDGET = 256 * 1024;

export class ResponsePump {
  /** the client's SETTINGS_MAX_FRAME_SIZE */
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** streams with something to send, in the order they asked */
  private readonly waiting: ServerStream[] = [];

  constructor(
    private readonly output: FrameOutput,
    private readonly window: ConnectionWindow,
    private readonly encoder: HpackEncoder,
    /** END_STREAM went out on the stream */
    private readonly sentEnd: (stream: ServerStream) => void,
  ) {}

  get hasWork(): boolean {
    return this.waiting.length > 0;
  }

  add(stream: ServerStream): void {
    if (stream.sending) return;
    stream.sending = true;
    this.waiting.push(stream);
  }

  /** Frames of the waiting streams; returns the streams whose queue may have room again. */
  pump(): ServerStream[] {
    const list = this.waiting;
    const drained: ServerStream[] = [];
    let budget = WRITE_BUDGET;
    let keep = 0;
    for (let i = 0; i < list.length; i++) {
      const stream = list[i]!;
      if (stream.finSent) {
        if (!stream.closed) this.sentEnd(stream);
      } else if (!stream.closed && budget > 0) budget -= this.sendFrom(stream, budget);
      if (stream.closed || (stream.queuedBytes === 0 && (!stream.localEnded || stream.finSent))) {
        stream.sending = false;
      } else {
        list[keep++] = stream;
      }
      if (stream.waitingForRoom) drained.push(stream);
    }
    list.length = keep;
    if (keep > 0 && budget <= 0) this.output.scheduleAgain();
    return drained;
  }

  /** Frames from one stream's queue; returns the DATA bytes sent. */
  private sendFrom(stream: ServerStream, budget: number): number {
    const window = this.window;
    let sent = 0;
    while (stream.queuedBytes > 0) {
      const allowed = Math.min(stream.sendWindow, window.send, this.maxFrameSize, budget - sent);
      if (allowed <= 0) break;
      const length = Math.min(allowed, stream.queuedBytes);
      const last = length === stream.queuedBytes && stream.localEnded && stream.trailers === null;
      this.output.queue(dataFrameHeader(stream.id, length, last));
      this.takeQueued(stream, length);
      stream.sendWindow -= length;
      window.send -= length;
      sent += length;
      if (last) {
        this.sentEnd(stream);
        return sent;
      }
    }
    if (stream.queuedBytes === 0 && stream.localEnded && !stream.finSent) {
      if (stream.trailers !== null) this.output.queue(headersFrames(stream.id, this.encoder.encode(stream.trailers), true, this.maxFrameSize));
      else this.output.queue(dataFrameHeader(stream.id, 0, true));
      this.sentEnd(stream);
    }
    return sent;
  }

  /** Moves `length` bytes from the stream's queue into the output. */
  private takeQueued(stream: ServerStream, length: number): void {
    const queue = stream.queue;
    let left = length;
    let used = 0;
    while (left > 0) {
      const head = queue[used]!;
      if (head.length <= left) {
        this.output.append(head);
        left -= head.length;
        used++;
      } else {
        this.output.append(head.subarray(0, left));
        queue[used] = head.subarray(left);
        left = 0;
      }
    }
    if (used > 0) queue.splice(0, used);
    stream.queuedBytes -= length;
  }
}
