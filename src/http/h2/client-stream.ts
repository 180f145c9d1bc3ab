// The one shape of a client's HTTP/2 stream that the exchanges (to-h1, to-h2, static, Fulcrum's
// own answers) are written against. Implemented by Fulcrum's own connection layer (wire/server-stream.ts)
// and, behind `http2.codec: node`, by an adapter over node:http2's ServerHttp2Stream (node-stream.ts).
// Header lists are flat: name, value, name, value, ... with lower-case names, no pseudo-headers.

/** What the stream tells its exchange; set once (`stream.handler = exchange`). */
export interface ClientStreamHandler {
  /** A piece of the request body; the exchange may keep it. */
  onData(chunk: Buffer): void;
  /** The request body is complete; `trailers` as a flat list, or null. */
  onEnd(trailers: string[] | null): void;
  /** The response's queued bytes went below the mark after `write` returned false: write more. */
  onWritable(): void;
  /** The stream is over: NO_ERROR (0) when both sides ended, else the reset's code (by either side, or the connection going). Once. */
  onClose(code: number): void;
}

export interface ClientStream {
  handler: ClientStreamHandler | null;
  /** the request ended with its headers (no body) */
  readonly endAfterHeaders: boolean;
  readonly headersSent: boolean;
  /** closed or reset: nothing more can be sent */
  readonly closed: boolean;
  /** Sends the response head; `endStream` for a response without body; `trailers` when `end` will carry trailers. */
  respond(status: number, headers: string[], endStream: boolean, trailers?: boolean): void;
  /** Queues body bytes; false when the queue is full (wait for onWritable). */
  write(chunk: Buffer | string): boolean;
  /** Ends the response, with trailers when `respond` announced them. */
  end(trailers?: string[] | null): void;
  /** Resets the stream on Fulcrum's initiative (not counted as a client reset). */
  reset(code: number): void;
  /** Stops (and restarts) delivering request body, and so the client's flow-control window. */
  pause(): void;
  resume(): void;
  /** The request body will not be read: once the response is out, the client is told to stop sending (RST_STREAM NO_ERROR). */
  stopReceiving(): void;
  /** The request's content-length (-1 none): DATA that does not add up to it is a stream error. */
  expectContentLength(length: number): void;
}
