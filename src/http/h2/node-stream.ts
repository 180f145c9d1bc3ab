// node:http2's ServerHttp2Stream behind the ClientStream shape (`http2.codec: node`), so that the
// exchanges have one way to speak to a client's stream whichever codec serves the connection.
import http2 from 'node:http2';
import type { ClientStream, ClientStreamHandler } from './client-stream.js';

const { NGHTTP2_NO_ERROR } = http2.constants;

export class NodeClientStream implements ClientStream {
  handler: ClientStreamHandler | null = null;
  /** reset by Fulcrum: not counted as a client reset */
  resetByUs = false;
  private requestTrailers: string[] | null = null;
  private responseTrailers: string[] | null = null;

  constructor(readonly stream: http2.ServerHttp2Stream) {
    stream.on('data', this.onData);
    stream.on('trailers', this.onTrailers);
    stream.on('end', this.onEnd);
    stream.on('drain', this.onDrain);
    stream.on('error', noop);
    stream.once('close', this.onClose);
  }

  get endAfterHeaders(): boolean {
    return this.stream.endAfterHeaders;
  }

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  get closed(): boolean {
    return this.stream.closed || this.stream.destroyed;
  }

  respond(status: number, headers: string[], endStream: boolean, trailers = false): void {
    if (this.closed || this.stream.headersSent) return;
    if (trailers && !endStream) this.stream.once('wantTrailers', this.onWantTrailers);
    this.stream.respond(headerObject(status, headers), { endStream, waitForTrailers: trailers && !endStream });
  }

  write(chunk: Buffer | string): boolean {
    return this.stream.write(chunk);
  }

  end(trailers?: string[] | null): void {
    this.responseTrailers = trailers ?? null;
    this.stream.end();
  }

  reset(code: number): void {
    this.resetByUs = true;
    this.stream.close(code);
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  stopReceiving(): void {
    this.stream.once('finish', () => {
      if (!this.stream.closed) this.reset(NGHTTP2_NO_ERROR);
    });
  }

  expectContentLength(): void {} // nghttp2 checks it

  private readonly onData = (chunk: Buffer): void => this.handler?.onData(chunk);

  private readonly onTrailers = (_headers: unknown, _flags: unknown, raw: string[]): void => {
    this.requestTrailers = raw;
  };

  private readonly onEnd = (): void => this.handler?.onEnd(this.requestTrailers);

  private readonly onDrain = (): void => this.handler?.onWritable();

  private readonly onClose = (): void => this.handler?.onClose(this.stream.rstCode ?? NGHTTP2_NO_ERROR);

  private readonly onWantTrailers = (): void => {
    const flat = this.responseTrailers;
    this.stream.sendTrailers(flat === null ? {} : headerObject(0, flat));
  };
}

/** node:http2's header object from a flat list (repeated names as arrays); status 0 = trailers. */
function headerObject(status: number, flat: string[]): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = status === 0 ? {} : { ':status': status };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!;
    const value = flat[i + 1]!;
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else headers[name] = [String(previous), value];
  }
  return headers;
}

function noop(): void {}
