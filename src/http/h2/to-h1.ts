import type { Transform } from 'node:stream';
import type { Backend } from '../../pool/backend.js';
import type { ResponseHead } from '../h1/response-head.js';
import { Framing } from '../h1/response-reader.js';
import { upstreamRequestHead } from '../forwarding.js';
import { relaysResponseField } from '../response-fields.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import { H1Upstream, type H1UpstreamOwner } from '../upstream/h1-upstream.js';
import { h2Compressor } from './compress-stream.js';
import { ReadableRelay } from './readable-relay.js';
import { StreamExchange } from './stream-exchange.js';

/** request bodies up to this size are read whole first, so the backend gets a Content-Length */
const BUFFER_BEFORE_SENDING = 64 * 1024;

/**
 * An HTTP/2 stream forwarded to an HTTP/1.1 backend over the pooled keep-alive connections
 * (H1Upstream: the same connection handling, retries and timeouts as an HTTP/1.1 client gets).
 * The request is framed from the DATA actually received: a stream that ended before the head
 * is sent gets `Content-Length` = the bytes received; a longer one goes chunked.
 */
export class H2ToH1Exchange extends StreamExchange implements H1UpstreamOwner {
  private readonly upstream: H1Upstream;
  /** request body received and not yet sent */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private requestEnded: boolean;
  private started = false;
  /** the head went out: body bytes now go straight to the backend */
  private headSent = false;
  private chunkedRequest = false;
  private requestDone = false;
  /** the route's compression of the response body, relayed into the client's stream; null = as it is */
  private compressor: Transform | null = null;
  /** the request body is being read (the request phases let it through) */
  private reading = false;

  constructor(...args: ConstructorParameters<typeof StreamExchange>) {
    super(...args);
    this.requestEnded = this.stream.endAfterHeaders;
    this.upstream = new H1Upstream(this, this.attempt, this.service, this.route.settings, this.owner, this.head.method === 'HEAD');
  }

  /** the route's request body limit (0 = none), checked as DATA arrives */
  private maxBodyBytes = 0;

  begin(maxBodyBytes: number): void {
    this.maxBodyBytes = maxBodyBytes;
    if (!this.requestEnded) this.stream.pause(); // the body waits for the request phases
    if (this.runChain()) this.forward();
  }

  /** Read the request body and send the request once enough of it is here (or all of it). */
  protected forward(): void {
    if (this.requestEnded) {
      this.start();
      return;
    }
    this.reading = true;
    this.stream.resume();
  }

  override onData(chunk: Buffer): void {
    if (!this.reading || this.finished) return;
    this.bytesIn += chunk.length;
    const maxBodyBytes = this.maxBodyBytes;
    if (maxBodyBytes > 0 && this.bytesIn > maxBodyBytes) {
      this.upstream.abort('cancelled');
      this.fail(413);
      return;
    }
    if (!this.headSent) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes >= BUFFER_BEFORE_SENDING) {
        this.stream.pause(); // until the upstream takes it
        this.start();
      }
      return;
    }
    this.writeBody(chunk);
  }

  override onEnd(): void {
    this.requestEnded = true;
    if (!this.reading) return; // the phases are still deciding: forward() sees it ended
    if (!this.started) this.start();
    else if (this.headSent) this.endBody();
  }

  private start(): void {
    if (this.started || this.finished) return;
    this.started = true;
    this.startPicking();
  }

  attemptOn(backend: Backend): void {
    this.upstream.sendTo(backend);
  }

  // --- request: HTTP/2 client -> HTTP/1.1 backend ---

  upstreamReady(conn: UpstreamConnection): void {
    const hasBody = this.pendingBytes > 0 || !this.requestEnded;
    // ended: the length is known exactly; else chunked, whatever content-length the client declared
    this.chunkedRequest = !this.requestEnded;
    const length = this.requestEnded ? (hasBody || methodExpectsBody(this.head.method) ? this.pendingBytes : -2) : -1;
    const text = upstreamRequestHead(this.head, this.owner.peer, this.clientIp, length);
    this.headSent = true;
    if (!hasBody) {
      // the common GET: one write, straight to the socket (corking would send it through the Writable)
      conn.write(text);
      this.endBody();
      return;
    }
    conn.socket.cork();
    conn.write(text);
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const chunk of pending) this.writeBody(chunk);
    if (this.requestEnded) this.endBody();
    conn.socket.uncork();
    if (!this.requestEnded) this.stream.resume();
  }

  private writeBody(chunk: Buffer): void {
    const conn = this.upstream.conn;
    if (conn === null || chunk.length === 0) return;
    this.upstream.requestProgress(conn);
    this.attempt.bodySent = true;
    let ok: boolean;
    if (this.chunkedRequest) {
      conn.write(chunk.length.toString(16) + '\r\n');
      conn.write(chunk);
      ok = conn.write('\r\n');
    } else {
      ok = conn.write(chunk);
    }
    if (!ok) this.stream.pause();
  }

  private endBody(): void {
    if (this.requestDone) return;
    this.requestDone = true;
    if (this.chunkedRequest) this.upstream.conn?.write('0\r\n\r\n');
  }

  upstreamDrain(): void {
    if (!this.requestDone) this.stream.resume();
  }

  // --- response: HTTP/1.1 backend -> HTTP/2 client ---

  /** Interim responses are not relayed (a 101 can't be: HTTP/2 has no Upgrade). */
  upstreamInterim(head: ResponseHead): boolean {
    if (head.status !== 101) return true;
    this.upstream.abort('failure');
    this.fail(502);
    return false;
  }

  upstreamResponse(head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const status = head.status;
    const noBody = this.upstream.reader.framing === Framing.None;
    let compressor: Transform | null = null;
    if (this.run !== null) {
      this.run.applyResponsePhases(status, head.fields); // header rules, RateLimit fields
      compressor = h2Compressor(this.run, status, head.fields, head.contentLength, noBody);
    }
    const headers: string[] = [];
    const { lower, values } = head.fields;
    const hideLoad = this.service.readsLoadReports;
    const hsts = this.owner.hsts !== '';
    for (let i = 0; i < lower.length; i++) {
      const name = lower[i]!;
      if (relaysResponseField(name, head.connectionTokens, hideLoad, hsts)) headers.push(name, values[i]!);
    }
    if (head.contentLength >= 0 && status !== 204 && status !== 304 && compressor === null) headers.push('content-length', String(head.contentLength));
    this.addStickyCookie(headers);
    const stream = this.stream;
    if (stream.closed) return;
    this.status = status;
    this.attempt.responded = true;
    stream.respond(status, this.withHsts(headers), noBody);
    if (noBody) {
      this.responseComplete(bodyStart < buf.length);
      return;
    }
    if (compressor !== null) {
      this.compressor = compressor;
      compressor.on('drain', this.onCompressorDrain);
      this.relay = new ReadableRelay(compressor, stream);
    }
    if (bodyStart < buf.length) this.upstream.reader.body(buf, bodyStart);
  }

  upstreamBody(piece: Buffer): void {
    if (this.stream.closed) return;
    this.bytesOut += piece.length;
    // a copy: `piece` lives in the upstream connection's reusable read buffer
    const copy = Buffer.from(piece);
    const ok = this.compressor !== null ? this.compressor.write(copy) : this.stream.write(copy);
    if (!ok) this.upstream.conn?.socket.pause();
  }

  /** HTTP/1.1 trailers are not relayed to HTTP/2 clients. */
  upstreamEnd(_trailers: unknown, extraBytes: boolean, byClose: boolean): void {
    this.endClientBody();
    if (byClose) {
      this.finished = true;
      this.record(this.status);
      return;
    }
    this.responseComplete(extraBytes);
  }

  upstreamFailed(status: 502 | 504): void {
    this.fail(status);
  }

  /** The response body is complete: end the client's stream (through the compressor when there is one). */
  private endClientBody(): void {
    if (this.compressor !== null) this.compressor.end();
    else this.stream.end();
  }

  /** The client's stream can take more: the relay from the compressor, or the backend's bytes. */
  override onWritable(): void {
    if (this.relay !== null) this.relay.writable();
    else this.upstream.conn?.socket.resume();
  }

  private readonly onCompressorDrain = (): void => {
    this.upstream.conn?.socket.resume();
  };

  private responseComplete(extraBytes: boolean): void {
    this.finished = true;
    this.record(this.status);
    this.upstream.complete(this.requestDone, extraBytes);
  }

  protected override clientClosed(): void {
    if (this.finished) return;
    this.finished = true;
    this.record(this.status);
    this.upstream.abort('cancelled');
  }
}

function methodExpectsBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}
