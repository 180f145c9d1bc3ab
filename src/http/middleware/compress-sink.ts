// The body of a compressed response: pieces go through zlib (gzip, or brotli at quality 4-5) and
// the output reaches the client re-chunked (HTTP/1.1) or close-delimited (HTTP/1.0). Backpressure
// runs end to end: a full client pauses zlib's output, zlib's full input pauses the source.
import zlib from 'node:zlib';
import type { CompressAlgorithm, CompressConfig } from '../../config/middleware-types.js';
import type { ClientConnection } from '../client-connection.js';

/** The zlib stream of an algorithm with the middleware's settings (HTTP/1.x sinks and HTTP/2 streams). */
export function createCompressor(algorithm: CompressAlgorithm, settings: CompressConfig): zlib.Gzip | zlib.BrotliCompress {
  return algorithm === 'br' ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: settings.brotliQuality } }) : zlib.createGzip({ level: settings.gzipLevel });
}

/** Who feeds a sink: told when it can take more, and when the last byte is written. */
export interface SinkOwner {
  sinkDrained(): void;
  sinkFinished(): void;
}

export class CompressSink {
  /** the compressed body and its terminator are written (queued) to the client */
  finished = false;
  private readonly stream: zlib.Gzip | zlib.BrotliCompress;
  private terminator = '';
  private clientBlocked = false;

  constructor(
    private readonly client: ClientConnection,
    algorithm: CompressAlgorithm,
    settings: CompressConfig,
    private readonly chunked: boolean,
    private readonly owner: SinkOwner,
  ) {
    this.stream = createCompressor(algorithm, settings);
    this.stream.on('data', this.onData);
    this.stream.on('drain', this.onDrain);
    this.stream.on('end', this.onEnd);
    this.stream.on('error', this.onError);
  }

  /** A piece of the original body; false: pause the source until sinkDrained. */
  write(piece: Buffer): boolean {
    if (this.client.closed) return true;
    // a copy: the piece may live in a reused read buffer, and zlib works on it later
    return this.stream.write(Buffer.from(piece));
  }

  /** The original body is complete; `terminator` ('0\r\n\r\n' with any trailers, or '') follows the output. */
  end(terminator: string): void {
    this.terminator = terminator;
    this.stream.end();
  }

  clientDrain(): void {
    if (!this.clientBlocked) return;
    this.clientBlocked = false;
    this.stream.resume();
  }

  destroy(): void {
    this.stream.destroy();
  }

  private readonly onData = (out: Buffer): void => {
    const client = this.client;
    if (client.closed) {
      this.stream.destroy();
      return;
    }
    let ok: boolean;
    if (this.chunked) {
      client.socket.cork();
      client.write(out.length.toString(16) + '\r\n');
      client.write(out);
      ok = client.write('\r\n');
      client.socket.uncork();
    } else {
      ok = client.write(out);
    }
    if (!ok) {
      this.clientBlocked = true;
      this.stream.pause();
    }
  };

  private readonly onDrain = (): void => {
    this.owner.sinkDrained();
  };

  private readonly onEnd = (): void => {
    if (this.terminator !== '') this.client.write(this.terminator);
    this.finished = true;
    this.owner.sinkFinished();
  };

  private readonly onError = (): void => {
    this.client.destroy();
  };
}
