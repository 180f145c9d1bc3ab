// A Node Readable (a zlib compressor, a file read stream, an upstream HTTP/2 stream) relayed into a
// client's stream with backpressure: the source pauses while the stream's queue is full, and is
// destroyed when the stream closes first. The exchange forwards the stream's onWritable and onClose.
import type { Readable } from 'node:stream';
import type { ClientStream } from './client-stream.js';

const INTERNAL_ERROR = 2;

export class ReadableRelay {
  /** bytes relayed so far */
  bytes = 0;

  /** `trailers` is asked when the source ends; `onEnd` after the stream's end went out. */
  constructor(
    private readonly source: Readable,
    private readonly stream: ClientStream,
    private readonly trailers: (() => string[] | null) | null = null,
  ) {
    source.on('data', this.onData);
    source.on('end', this.onEnd);
    source.on('error', this.onError);
  }

  /** the client's stream has room again */
  writable(): void {
    if (this.source.isPaused()) this.source.resume();
  }

  /** the client's stream closed: nothing more to send */
  close(): void {
    if (!this.source.readableEnded) this.source.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) this.source.pause();
  };

  private readonly onEnd = (): void => {
    this.stream.end(this.trailers === null ? null : this.trailers());
  };

  private readonly onError = (): void => {
    if (!this.stream.closed) this.stream.reset(INTERNAL_ERROR); // the body could not be read to the end
  };
}
