import { Attempt, type AttemptHandler, type AttemptRefusal } from '../attempt/attempt.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import { h1Protocol, recordRequest } from '../observe/request-record.js';
import { breakerResponse } from './breaker-gate.js';
import type { ExchangeClient } from './exchange-client.js';
import { lastChunk } from './h1/chunked.js';
import type { FieldList } from './h1/fields.js';
import { HttpParseError } from './h1/parse-error.js';
import { isTrailerDropped, RequestBodyRelay } from './h1/request-body.js';
import type { RequestHead } from './h1/request-head.js';
import type { ResponseHead } from './h1/response-head.js';
import { clientResponseHead } from './h1/response-head-writer.js';
import { Framing } from './h1/response-reader.js';
import { isHopByHop, upstreamRequestHead } from './forwarding.js';
import type { RouteTarget } from './listener-state.js';
import type { CompressSink } from './middleware/compress-sink.js';
import type { ChainRun } from './middleware/run.js';
import { RequestKeySource } from './request-values.js';
import { upgradeToTunnel } from './upgrade.js';
import type { UpstreamConnection } from './upstream/connection.js';
import { H1Upstream, type H1UpstreamOwner } from './upstream/h1-upstream.js';

/** bodies up to this size that arrive with their head are sent in the same write */
const SMALL_BODY = 8 * 1024;

/**
 * One HTTP/1.1 request and its response, from the first attempt to the last byte: the Attempt
 * decides backends and retries, H1Upstream talks to the backend; this is the HTTP/1.1 client's
 * side. Bodies stream both ways with backpressure: a full destination pauses the source.
 */
export class Exchange implements AttemptHandler, H1UpstreamOwner {
  private readonly attempt: Attempt;
  private readonly upstream: H1Upstream;
  private readonly body: RequestBodyRelay;
  /** the response is being re-framed as chunked for the client */
  private chunkToClient = false;
  /** the route's middlewares for this request; null on routes without (nothing below runs then) */
  middleware: ChainRun | null = null;
  /** the compressed body on its way to the client; null when the body is relayed as is */
  private bodySink: CompressSink | null = null;
  /** the exchange is done but the compressed body is still being written */
  private completeAfterSink = false;
  private finished = false;
  private keepClientAlive: boolean;
  private readonly service: Service;
  private recorded = false;

  constructor(
    private readonly client: ExchangeClient,
    private readonly head: RequestHead,
    private readonly route: RouteTarget,
    private readonly clientIp: string,
    maxBodyBytes: number,
  ) {
    this.service = route.service;
    this.keepClientAlive = head.keepAlive;
    this.body = new RequestBodyRelay(head, maxBodyBytes);
    this.attempt = new Attempt(route.service, this, clientIp, head.method, this.body.hasBody, client.observers);
    this.upstream = new H1Upstream(this, this.attempt, route.service, route.settings, client, head.method === 'HEAD');
  }

  setBufferedBody(body: Buffer | null): void {
    if (body !== null) this.body.keep(body, 0);
  }

  start(): void {
    this.attempt.start(this.head.fields.get('cookie'));
  }

  // --- the attempt's side (AttemptHandler) ---

  attemptKey(): RequestKeySource {
    return new RequestKeySource(this.head, this.clientIp);
  }

  attemptOn(backend: Backend): void {
    this.upstream.sendTo(backend);
  }

  attemptRefused(refusal: AttemptRefusal): void {
    if (refusal.reason !== 'circuit') {
      this.fail(refusal.status, refusal.status === 503 ? 'Retry-After: 1\r\n' : '');
      return;
    }
    this.finished = true;
    this.record(503);
    const close = !this.body.done || !this.keepClientAlive || this.client.closing;
    this.client.write(breakerResponse(this.service.name, refusal.circuit, refusal.retryAfterSeconds, close));
    if (close) this.client.closeAfterWrite();
    else this.client.exchangeDone(true);
  }

  // --- request: client -> upstream ---

  upstreamReady(conn: UpstreamConnection): void {
    const body = this.body;
    const text = upstreamRequestHead(this.head, this.client.peer, this.clientIp, body.declaredLength);
    if (!body.hasBody) {
      conn.write(text);
      return;
    }
    body.begin();
    conn.socket.cork();
    conn.write(text);
    const buffered = body.takeBuffered();
    if (buffered !== null) this.clientBody(buffered, 0);
    conn.socket.uncork();
    if (!body.done) this.client.socket.resume();
  }

  /** Body bytes from the client, from `start`. */
  clientBody(chunk: Buffer, start: number): void {
    const conn = this.upstream.conn;
    const body = this.body;
    if (conn === null || !conn.connected || body.done) {
      // not connected yet (or between attempts): kept for upstreamReady
      body.keep(chunk, start);
      this.client.socket.pause();
      return;
    }
    this.client.bodyProgress();
    this.upstream.requestProgress(conn);
    let end: number;
    try {
      end = body.relay(conn, chunk, start);
    } catch (error) {
      this.requestError(error);
      return;
    }
    this.attempt.bodySent = body.sent;
    if (body.full) this.client.socket.pause();
    if (end !== -1) {
      this.client.bodyDone(end < chunk.length ? chunk.subarray(end) : null);
      if (this.finished) this.complete();
    }
  }

  private requestError(error: unknown): void {
    if (!(error instanceof HttpParseError)) throw error;
    this.abandon(this.upstream.response?.status ?? error.status);
    if (!this.attempt.responded) this.client.refuse(error.status, true);
    else this.client.destroy();
  }

  upstreamDrain(): void {
    if (!this.body.done) this.client.socket.resume();
  }

  /** The client was idle too long while sending its body. */
  clientTimeout(): void {
    this.abandon(this.upstream.response?.status ?? 408);
    if (!this.attempt.responded) this.client.refuse(408, true);
    else this.client.destroy();
  }

  // --- response: upstream -> client ---

  /** 100 Continue is relayed only to a client that asked for it; a 101 only for a WebSocket upgrade. */
  upstreamInterim(head: ResponseHead, buf: Buffer, rest: number): boolean {
    if (head.status === 101) {
      if (!this.head.websocket || !this.switchProtocols(head, buf, rest)) {
        this.upstream.abort('failure');
        this.upstreamFailed(502);
      }
      return false;
    }
    if (this.head.version === 11 && (head.status !== 100 || this.head.expectContinue)) this.client.write(interimHead(head));
    return true;
  }

  upstreamResponse(head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const conn = this.upstream.conn!;
    const status = head.status;
    const noBody = this.head.method === 'HEAD' || status === 204 || status === 304;
    const reader = this.upstream.reader;
    const framing = reader.framing;
    // a close-delimited body reaches an HTTP/1.1 client chunked, so its connection survives
    // ... and a chunked one reaches an HTTP/1.0 client delimited by close (it has no chunked coding)
    this.chunkToClient = (framing === Framing.Chunked || framing === Framing.UntilClose) && this.head.version === 11;
    if ((framing === Framing.UntilClose || framing === Framing.Chunked) && !this.chunkToClient) this.keepClientAlive = false;
    // answered before the body was read: the rest of the body can't be skipped reliably
    if (!this.body.done || this.client.closing) this.keepClientAlive = false;
    if (this.middleware !== null) this.middlewareResponseHead(head, noBody);

    const hsts = this.client.hsts;
    const out = clientResponseHead(head, {
      version: this.head.version,
      head: this.head.method === 'HEAD',
      chunked: this.chunkToClient,
      keepsLength: this.bodySink === null,
      keepAlive: this.keepClientAlive,
      hideLoadReport: this.service.readsLoadReports,
      replaceHsts: hsts !== '',
      extraLines: this.service.sticky === null ? hsts : hsts + this.stickyField(),
    });

    this.attempt.responded = true;
    const client = this.client;
    if (framing === Framing.None) {
      client.write(out);
      this.responseComplete(bodyStart < buf.length);
      return;
    }
    if (bodyStart >= buf.length) {
      if (!client.write(out)) conn.socket.pause();
      return;
    }
    const received = buf.length - bodyStart;
    if (framing === Framing.Length && received >= reader.remaining && reader.remaining <= SMALL_BODY && this.bodySink === null) {
      // the whole small body is here: one string, one write, no buffer kept
      const length = reader.remaining;
      reader.remaining = 0;
      client.write(out + buf.toString('latin1', bodyStart, bodyStart + length));
      this.responseComplete(received > length);
      return;
    }
    client.socket.cork();
    client.write(out);
    reader.body(buf, bodyStart);
    client.socket.uncork();
    this.checkLent();
  }

  /** The route's response phases: fields, and compression (the body then goes chunked, or close-delimited to HTTP/1.0). */
  private middlewareResponseHead(head: ResponseHead, noBody: boolean): void {
    const sink = this.middleware!.responseHead(head, noBody, this);
    if (sink === null) return;
    this.bodySink = sink;
    this.chunkToClient = this.head.version === 11;
    if (!this.chunkToClient) this.keepClientAlive = false;
  }

  /** The compressor took in what it had: the backend may send more. */
  sinkDrained(): void {
    this.upstream.conn?.socket.resume();
  }

  /** The compressed body is written: the exchange can end now if it was only waiting for that. */
  sinkFinished(): void {
    if (!this.completeAfterSink) return;
    this.completeAfterSink = false;
    this.client.exchangeDone(this.keepClientAlive && this.body.done);
  }

  /** Sticky sessions: the Set-Cookie to add for the backend that answered ('' = none). */
  private stickyField(): string {
    return this.attempt.stickyField(this.client.peer.proto === 'https');
  }

  /** The backend accepted the WebSocket upgrade: relay the 101 and turn the connection into a tunnel. */
  private switchProtocols(head: ResponseHead, buf: Buffer, rest: number): boolean {
    const conn = this.upstream.conn!;
    const extra = this.client.hsts + (this.service.sticky !== null ? this.stickyField() : '');
    if (!upgradeToTunnel(this.client, conn, this.service, conn.backend, head, buf, rest, extra)) return false;
    this.upstream.handOver();
    this.attempt.responded = true;
    this.finished = true;
    this.attempt.responseHead(101, undefined);
    this.record(101);
    // the request is answered (inflight drops, the balancer learns the latency); the tunnel keeps `active`
    this.attempt.end('success');
    return true;
  }

  /** Bytes of the upstream read buffer still queued in the client socket: keep them safe. */
  private checkLent(): void {
    if (this.client.queuedBytes !== 0) this.upstream.conn?.readBufferLent();
  }

  /** A piece of the response body: a view into the upstream read buffer. */
  upstreamBody(data: Buffer): void {
    const client = this.client;
    let ok: boolean;
    if (this.bodySink !== null) {
      ok = this.bodySink.write(data);
    } else if (this.chunkToClient) {
      client.write(data.length.toString(16) + '\r\n');
      client.write(data);
      ok = client.write('\r\n');
    } else {
      ok = client.write(data);
    }
    const conn = this.upstream.conn;
    if (conn !== null) {
      if (!ok) conn.socket.pause();
      this.checkLent();
    }
  }

  upstreamEnd(trailers: FieldList | null, extraBytes: boolean, byClose: boolean): void {
    if (!byClose) {
      if (this.chunkToClient && this.bodySink === null) this.client.write(lastChunk(trailers, isTrailerDropped));
      this.responseComplete(extraBytes);
      return;
    }
    if (this.bodySink !== null) this.endSink();
    else if (this.chunkToClient) this.client.write('0\r\n\r\n');
    this.finished = true;
    this.record(this.upstream.response!.status);
    this.complete();
  }

  clientDrain(): void {
    if (this.bodySink !== null) {
      this.bodySink.clientDrain();
      return;
    }
    if (this.attempt.responded) this.upstream.conn?.socket.resume();
  }

  /** The last response byte is written; `extraBytes` means the backend sent more than the message. */
  private responseComplete(extraBytes: boolean): void {
    this.finished = true;
    if (this.bodySink !== null) this.endSink();
    this.record(this.upstream.response!.status);
    this.upstream.complete(this.body.done, extraBytes);
    if (this.body.done || !this.keepClientAlive) this.complete();
  }

  /** The original body is all in the compressor; the terminator (with any trailers) follows its output. */
  private endSink(): void {
    this.bodySink!.end(this.chunkToClient ? lastChunk(this.upstream.reader.trailers, isTrailerDropped) : '');
  }

  private complete(): void {
    if (this.bodySink !== null && !this.bodySink.finished) {
      this.completeAfterSink = true;
      return;
    }
    this.client.exchangeDone(this.keepClientAlive && this.body.done);
  }

  // --- failures ---

  upstreamFailed(status: 502 | 504): void {
    if (!this.attempt.responded) {
      this.fail(status);
      return;
    }
    this.finished = true;
    this.record(this.upstream.response!.status);
    this.client.destroy();
  }

  /** The client went away: stop the upstream side without blaming the backend. */
  clientAborted(): void {
    if (this.bodySink !== null) this.bodySink.destroy();
    if (this.finished) return;
    this.finished = true;
    this.abandon(this.upstream.response?.status ?? 0);
  }

  /** Give up the request for the client's sake (it left, or sent a bad body): not the backend's fault. */
  private abandon(status: number): void {
    this.record(status);
    this.upstream.abort('cancelled');
  }

  /** Count this exchange once, when its outcome is known; 0 means no response was sent. */
  private record(status: number): void {
    if (this.recorded) return;
    this.recorded = true;
    const client = this.client;
    recordRequest(
      client.observers,
      this.route.stats,
      this.attempt.servedBy,
      this.head,
      this.clientIp,
      h1Protocol(this.head.version),
      status,
      performance.now() - this.attempt.startedAt,
      client.exchangeBytesIn,
      client.exchangeBytesOut,
      client,
      this.attempt,
    );
  }

  /** Answer with an error of our own; the connection survives only if the request was fully read. */
  private fail(status: number, extraHeaders = ''): void {
    this.finished = true;
    this.record(status);
    const close = !this.body.done || !this.keepClientAlive;
    this.client.refuse(status, close, extraHeaders);
    if (!close) this.client.exchangeDone(true);
  }
}

/** An interim (1xx) response for the client, with its fields (103 Early Hints is all Link fields). */
function interimHead(head: ResponseHead): string {
  let out = 'HTTP/1.1 ' + head.status + ' ' + head.reason + '\r\n';
  const { names, lower, values } = head.fields;
  for (let i = 0; i < names.length; i++) {
    if (!isHopByHop(lower[i]!, head.connectionTokens)) out += names[i] + ': ' + values[i] + '\r\n';
  }
  return out + '\r\n';
}
