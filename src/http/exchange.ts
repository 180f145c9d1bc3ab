import { chooseBackend } from './choose-backend.js';
import { performance } from 'node:perf_hooks';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import type { ClientConnection } from './client-connection.js';
import { ChunkedDecoder, lastChunk, type ChunkSink } from './h1/chunked.js';
import type { FieldList } from './h1/fields.js';
import { HttpParseError } from './h1/parse-error.js';
import type { RequestHead } from './h1/request-head.js';
import type { ResponseHead } from './h1/response-head.js';
import { Framing, ResponseReader, type ResponseSink } from './h1/response-reader.js';
import { isHopByHop, upstreamRequestHead } from './forwarding.js';
import type { UpstreamConnection, UpstreamTransport, UpstreamUser } from './upstream/connection.js';
import { serviceTransport } from './upstream/transport.js';
import { upstreamPool } from './upstream/pool.js';
import type { RouteTarget } from './listener-state.js';
import type { ChainRun } from './middleware/run.js';
import type { CompressSink } from './middleware/compress-sink.js';
import { LOAD_HEADER, parseLoadHeader, recordLoadReport } from '../balancing/load-report.js';
import type { CircuitBreaker } from '../pool/circuit-breaker.js';
import type { StickyPolicy } from '../pool/sticky.js';
import { isPromise } from '../state/state-store.js';
import { admitAttempt, breakerResponse } from './breaker-gate.js';
import { switchingProtocolsHead, Tunnel } from './tunnel.js';

const HSTS_FIELD = 'strict-transport-security';
/** bodies up to this size that arrive with their head are sent in the same write */
const SMALL_BODY = 8 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** request body framing */
const enum Body {
  None,
  Length,
  Chunked,
}

/**
 * One request and its response, from choosing a backend to the last byte. Bodies
 * stream both ways with backpressure: a full destination pauses the source.
 */
export class Exchange implements UpstreamUser, ResponseSink {
  private backend: Backend | null = null;
  private upstream: UpstreamConnection | null = null;
  private tried: Backend[] | null = null;
  private attempts = 0;
  private retriedStale = false;
  private startedAt = 0;
  /** ms from sending to the response head: what load-aware algorithms learn from */
  private latencyMs = -1;

  // request body
  private bufferedBody: Buffer | null = null;
  private requestBody: Body;
  private requestRemaining: number;
  private requestDecoder: ChunkedDecoder | null = null;
  private requestDone: boolean;
  private requestBytesSent = false;

  // response
  private responseHead: ResponseHead | null = null;
  private readonly reader: ResponseReader;
  /** the response is being re-framed as chunked for the client */
  private chunkToClient = false;
  private responseStarted = false;
  /** the route's middlewares for this request; null on routes without (nothing below runs then) */
  middleware: ChainRun | null = null;
  /** the compressed body on its way to the client; null when the body is relayed as is */
  private bodySink: CompressSink | null = null;
  /** the exchange is done but the compressed body is still being written */
  private completeAfterSink = false;
  private finished = false;
  private keepClientAlive: boolean;
  private readonly service: Service;
  /** the backend that got the last attempt, for metrics and logs */
  private servedBy: Backend | null = null;
  private recorded = false;
  /** sticky sessions: the backend the request's cookie or client IP points to */
  private stuckTo: Backend | undefined = undefined;
  /** the breaker that admitted the current attempt (owed one `done`); null without one */
  private breaker: CircuitBreaker | null = null;
  /** the current attempt counts as pending in the breaker until its new connection opens */
  private connecting = false;

  constructor(
    private readonly client: ClientConnection,
    private readonly head: RequestHead,
    private readonly route: RouteTarget,
    private readonly clientIp: string,
    private readonly maxBodyBytes: number,
  ) {
    this.service = route.service;
    this.keepClientAlive = head.keepAlive;
    this.requestBody = head.chunked ? Body.Chunked : head.contentLength > 0 ? Body.Length : Body.None;
    this.requestRemaining = head.contentLength > 0 ? head.contentLength : 0;
    this.requestDone = this.requestBody === Body.None;
    this.reader = new ResponseReader(this, head.method === 'HEAD');
  }

  setBufferedBody(body: Buffer | null): void {
    this.bufferedBody = body;
  }

  start(): void {
    this.startedAt = performance.now();
    const sticky = this.service.sticky;
    if (sticky !== null) this.startSticky(sticky);
    else this.tryNextBackend();
  }

  /** Sticky sessions: find the backend the request is stuck to, then choose. */
  private startSticky(sticky: StickyPolicy): void {
    const found = sticky.lookup(this.head.fields.get('cookie'), this.clientIp);
    if (!isPromise(found)) {
      this.stuckTo = found;
      this.tryNextBackend();
      return;
    }
    void found.then((backend) => {
      if (this.finished) return;
      this.stuckTo = backend;
      this.tryNextBackend();
    });
  }

  // --- choosing and connecting ---

  private tryNextBackend(): void {
    const service = this.service;
    const backend = chooseBackend(service, this.head, this.clientIp, this.stuckTo, this.attempts === 0, this.tried);
    if (backend === undefined) {
      if (this.attempts === 0) {
        this.client.observers.stats.service(service.name).noBackend++;
        this.fail(503, 'Retry-After: 1\r\n');
      }
      else this.fail(502);
      return;
    }
    const breaker = service.breaker;
    if (breaker !== null) {
      const refusal = admitAttempt(breaker, service, backend);
      if (refusal !== '') {
        this.finished = true;
        this.record(503);
        const close = !this.requestDone || !this.keepClientAlive;
        this.client.write(breakerResponse(service.name, refusal, breaker.retryAfterSeconds(), close));
        if (close) this.client.closeAfterWrite();
        else this.client.exchangeDone(true);
        return;
      }
      this.breaker = breaker;
    }
    this.attempts++;
    if (this.attempts > 1) this.client.observers.stats.service(service.name).retries++;
    this.backend = backend;
    this.servedBy = backend;
    service.startOn(backend);
    const pool = upstreamPool(backend, service.config.keepAlive);
    const conn = pool.acquire(this);
    this.upstream = conn;
    if (conn.connected) this.sendRequest(conn);
    else {
      conn.deadline = Date.now() + service.config.timeouts.connect;
      if (breaker !== null) {
        this.connecting = true;
        breaker.pending++;
      }
    }
  }

  upstreamConnected(conn: UpstreamConnection): void {
    if (this.connecting) {
      this.connecting = false;
      this.breaker!.pending--;
    }
    this.sendRequest(conn);
  }

  upstreamTransport(): UpstreamTransport | null {
    return serviceTransport(this.service.config, this.backend!.host, this.client);
  }

  private sendRequest(conn: UpstreamConnection): void {
    const head = this.head;
    const length = this.requestBody === Body.Chunked ? -1 : this.requestBody === Body.Length ? head.contentLength : -2;
    const text = upstreamRequestHead(head, this.client.peer, this.clientIp, length);
    conn.deadline = Date.now() + this.service.config.timeouts.response;
    if (this.requestBody === Body.None) {
      conn.write(text);
      return;
    }
    if (this.requestBody === Body.Chunked) this.requestDecoder = new ChunkedDecoder(new RequestChunks(this), 400);
    conn.socket.cork();
    conn.write(text);
    const buffered = this.bufferedBody;
    this.bufferedBody = null;
    if (buffered !== null) this.clientBody(buffered, 0);
    conn.socket.uncork();
    if (!this.requestDone) this.client.socket.resume();
  }

  // --- request body: client -> upstream ---

  /** Body bytes from the client, from `start`. */
  clientBody(chunk: Buffer, start: number): void {
    const conn = this.upstream;
    if (conn === null || !conn.connected || this.requestDone) {
      // not connected yet (or between attempts): keep it for sendRequest
      const rest = chunk.subarray(start);
      this.bufferedBody = this.bufferedBody === null ? rest : Buffer.concat([this.bufferedBody, rest]);
      this.client.socket.pause();
      return;
    }
    this.client.bodyProgress();
    // the response timeout counts from the last request byte sent, so a long upload is not cut short
    conn.deadline = Date.now() + (this.responseHead === null ? this.service.config.timeouts.response : this.service.config.timeouts.idle);
    let end = -1;
    if (this.requestBody === Body.Length) {
      const take = Math.min(this.requestRemaining, chunk.length - start);
      this.requestRemaining -= take;
      this.requestBytesSent = true;
      if (!conn.write(start === 0 && take === chunk.length ? chunk : chunk.subarray(start, start + take))) {
        this.client.socket.pause();
      }
      if (this.requestRemaining === 0) end = start + take;
    } else {
      try {
        end = this.requestDecoder!.feed(chunk, start);
      } catch (error) {
        this.requestError(error);
        return;
      }
      if (this.maxBodyBytes > 0 && this.requestDecoder!.bodyBytes > this.maxBodyBytes) {
        this.requestError(new HttpParseError(413, 'request body too large'));
        return;
      }
      if (end !== -1) {
        conn.write(lastChunk(this.requestDecoder!.trailers, isTrailerDropped));
      }
    }
    if (end !== -1) {
      this.requestDone = true;
      this.client.bodyDone(end < chunk.length ? chunk.subarray(end) : null);
      if (this.finished) this.complete();
    }
  }

  /** Request chunk data, re-framed for the backend (extensions are never relayed). */
  writeRequestChunk(data: Buffer): void {
    if (data.length === 0) return;
    const conn = this.upstream!;
    this.requestBytesSent = true;
    conn.write(data.length.toString(16) + '\r\n');
    conn.write(data);
    if (!conn.write('\r\n')) this.client.socket.pause();
  }

  private requestError(error: unknown): void {
    if (!(error instanceof HttpParseError)) throw error;
    this.record(this.responseHead?.status ?? error.status);
    this.abortUpstream('cancelled'); // the client's fault: must not count against the backend
    if (!this.responseStarted) this.client.refuse(error.status, true);
    else this.client.destroy();
  }

  upstreamDrain(): void {
    if (!this.requestDone) this.client.socket.resume();
  }

  /** The client was idle too long while sending its body. */
  clientTimeout(): void {
    this.record(this.responseHead?.status ?? 408);
    this.abortUpstream('cancelled');
    if (!this.responseStarted) this.client.refuse(408, true);
    else this.client.destroy();
  }

  // --- response: upstream -> client ---

  upstreamData(conn: UpstreamConnection, data: Buffer): void {
    // the idle timeout counts from the last body byte received
    if (this.responseHead !== null) conn.deadline = Date.now() + this.service.config.timeouts.idle;
    this.reader.data(data);
  }

  /** An interim response (ResponseSink): 100 Continue is relayed only to a client that asked for it. */
  responseInterim(head: ResponseHead, buf: Buffer, rest: number): boolean {
    if (head.status === 101) {
      if (this.head.websocket) this.switchProtocols(this.upstream!, head, buf, rest);
      else this.badResponse('unexpected 101 Switching Protocols');
      return false;
    }
    if (this.head.version === 11 && (head.status !== 100 || this.head.expectContinue)) this.client.write(interimHead(head));
    return true;
  }

  /** The final response head (ResponseSink). */
  responseFinalHead(head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const conn = this.upstream!;
    this.responseHead = head;
    if (head.status >= 500 && this.mayRetry('5xx')) return this.retryAfter5xx(conn);
    this.latencyMs = performance.now() - this.startedAt;
    if (this.service.readsLoadReports) this.readLoadReport(head);
    conn.deadline = Date.now() + this.service.config.timeouts.idle;
    this.startResponse(conn, head, buf, bodyStart);
  }

  /** A malformed response (ResponseSink). */
  responseError(reason: string): void {
    this.badResponse(reason);
  }

  /** X-Backend-Load from a backend of a `resource` service: recorded, and not relayed. */
  private readLoadReport(head: ResponseHead): void {
    const value = head.fields.get(LOAD_HEADER);
    const load = value === undefined ? undefined : parseLoadHeader(value);
    if (load !== undefined && this.backend !== null) recordLoadReport(this.backend, load, performance.now());
  }

  private startResponse(conn: UpstreamConnection, head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const status = head.status;
    const noBody = this.head.method === 'HEAD' || status === 204 || status === 304;
    const reader = this.reader;
    const framing = reader.framing;
    // a close-delimited body reaches an HTTP/1.1 client chunked, so its connection survives
    // ... and a chunked one reaches an HTTP/1.0 client delimited by close (it has no chunked coding)
    this.chunkToClient = (framing === Framing.Chunked || framing === Framing.UntilClose) && this.head.version === 11;
    if ((framing === Framing.UntilClose || framing === Framing.Chunked) && !this.chunkToClient) this.keepClientAlive = false;
    if (!this.requestDone && this.requestBody !== Body.None) {
      // answered before the body was read: the rest of the body can't be skipped reliably
      this.keepClientAlive = false;
    }
    if (this.middleware !== null) this.middlewareResponseHead(head, noBody);

    let out = 'HTTP/1.1 ' + status + ' ' + head.reason + '\r\n';
    const { names, lower, values } = head.fields;
    const tokens = head.connectionTokens;
    const hideLoad = this.service.readsLoadReports;
    const hsts = this.client.hsts;
    for (let i = 0; i < names.length; i++) {
      if (isHopByHop(lower[i]!, tokens) || (hideLoad && lower[i] === LOAD_HEADER) || (hsts !== '' && lower[i] === HSTS_FIELD)) continue;
      out += names[i] + ': ' + values[i] + '\r\n';
    }
    if (this.chunkToClient) out += 'Transfer-Encoding: chunked\r\n';
    else if (head.contentLength >= 0 && status !== 204 && status !== 304) out += 'Content-Length: ' + head.contentLength + '\r\n';
    else if (noBody && this.head.method === 'HEAD' && head.chunked && this.head.version === 11) out += 'Transfer-Encoding: chunked\r\n';
    if (hsts !== '') out += hsts;
    if (this.service.sticky !== null) out += this.stickyField();
    if (!this.keepClientAlive) out += 'Connection: close\r\n';
    else if (this.head.version === 10) out += 'Connection: keep-alive\r\n';
    out += '\r\n';

    this.responseStarted = true;
    const client = this.client;
    if (framing === Framing.None) {
      client.write(out);
      this.responseComplete(conn, bodyStart < buf.length);
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
      this.responseComplete(conn, received > length);
      return;
    }
    client.socket.cork();
    client.write(out);
    reader.body(buf, bodyStart);
    client.socket.uncork();
    this.checkLent(conn);
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
    const conn = this.upstream;
    if (conn !== null) conn.socket.resume();
  }

  /** The compressed body is written: the exchange can end now if it was only waiting for that. */
  sinkFinished(): void {
    if (!this.completeAfterSink) return;
    this.completeAfterSink = false;
    this.client.exchangeDone(this.keepClientAlive && this.requestDone);
  }

  /** Sticky sessions: the Set-Cookie to add for the backend that answered ('' = none). */
  private stickyField(): string {
    return this.service.sticky!.onResponse(this.servedBy!, this.stuckTo, this.clientIp, this.client.peer.proto === 'https');
  }

  /** The backend accepted the WebSocket upgrade: relay the 101 and turn the connection into a tunnel. */
  private switchProtocols(conn: UpstreamConnection, head: ResponseHead, buf: Buffer, rest: number): void {
    const sticky = this.service.sticky !== null ? this.stickyField() : '';
    const out = switchingProtocolsHead(head, this.client.hsts + sticky);
    if (out === null) return this.badResponse('101 without Upgrade: websocket');
    this.responseHead = head;
    this.responseStarted = true;
    this.finished = true;
    this.latencyMs = performance.now() - this.startedAt;
    this.client.write(out);
    this.record(101);
    const backend = this.backend!;
    // the request is answered (inflight drops, the balancer learns the latency), but the
    // connection stays counted in `active` until the tunnel closes
    backend.active++;
    this.releaseBackend('success');
    this.upstream = null;
    const early = this.client.detachForTunnel();
    new Tunnel(this.client.socket, conn, this.service, backend, this.service.config.timeouts.tunnelIdle, early, rest < buf.length ? buf.subarray(rest) : null);
  }

  /** Bytes of the upstream read buffer still queued in the client socket: keep them safe. */
  private checkLent(conn: UpstreamConnection): void {
    if (this.client.socket.writableLength !== 0) conn.readBufferLent();
  }

  /** A piece of the response body (ResponseSink): a view into the upstream read buffer. */
  responseData(piece: Buffer): void {
    this.writeResponseChunk(piece);
  }

  /** The response body is complete (ResponseSink). */
  responseEnd(trailers: FieldList | null, extraBytes: boolean): void {
    if (this.chunkToClient && this.bodySink === null) this.client.write(lastChunk(trailers, isTrailerDropped));
    this.responseComplete(this.upstream!, extraBytes);
  }

  private writeResponseChunk(data: Buffer): void {
    if (data.length === 0) return;
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
    const conn = this.upstream;
    if (conn !== null) {
      if (!ok) conn.socket.pause();
      this.checkLent(conn);
    }
  }

  clientDrain(): void {
    if (this.bodySink !== null) {
      this.bodySink.clientDrain();
      return;
    }
    const conn = this.upstream;
    if (conn !== null && this.responseStarted) conn.socket.resume();
  }

  /** The last response byte is written; `extraBytes` means the backend sent more than the message. */
  private responseComplete(conn: UpstreamConnection, extraBytes: boolean): void {
    this.finished = true;
    if (this.bodySink !== null) this.endSink();
    this.record(this.responseHead!.status);
    const reusable =
      !extraBytes && this.responseHead!.keepAlive && this.reader.framing !== Framing.UntilClose && this.requestDone;
    this.releaseBackend('success');
    this.upstream = null;
    if (reusable) {
      // paused by backpressure on the last piece: the next user must find it reading
      if (conn.socket.isPaused()) conn.socket.resume();
      upstreamPool(conn.backend, this.service.config.keepAlive).release(conn);
    }
    else {
      conn.user = null;
      conn.destroy();
    }
    if (this.requestDone || !this.keepClientAlive) this.complete();
  }

  /** The original body is all in the compressor; the terminator (with any trailers) follows its output. */
  private endSink(): void {
    this.bodySink!.end(this.chunkToClient ? lastChunk(this.reader.trailers, isTrailerDropped) : '');
  }

  private complete(): void {
    if (this.bodySink !== null && !this.bodySink.finished) {
      this.completeAfterSink = true;
      return;
    }
    this.client.exchangeDone(this.keepClientAlive && this.requestDone);
  }

  // --- failures ---

  upstreamClosed(conn: UpstreamConnection, error: Error | undefined): void {
    if (this.finished || this.upstream !== conn) return;
    this.upstream = null;
    if (!conn.connected) {
      // refused or unreachable: nothing was sent, so the next candidate is safe to try
      this.retryElsewhere('connect-failure');
      return;
    }
    if (this.responseHead !== null) {
      if (this.reader.framing === Framing.UntilClose) {
        if (this.bodySink !== null) this.endSink();
        else if (this.chunkToClient) this.client.write('0\r\n\r\n');
        this.finished = true;
        this.record(this.responseHead.status);
        this.releaseBackend('success');
        this.complete();
        return;
      }
      // truncated body: the client can only learn it from a closed connection
      this.record(this.responseHead.status);
      this.releaseBackend('failure');
      this.client.destroy();
      return;
    }
    const nothingReceived = this.responseHead === null && !this.reader.partial;
    if (nothingReceived && conn.reused && !this.retriedStale && !this.requestBytesSent && IDEMPOTENT.has(this.head.method)) {
      // a pooled socket the backend had already closed: once, on a fresh connection
      this.retriedStale = true;
      const backend = this.backend!;
      const fresh = upstreamPool(backend, this.service.config.keepAlive).connect(this);
      this.upstream = fresh;
      fresh.deadline = Date.now() + this.service.config.timeouts.connect;
      return;
    }
    void error;
    this.releaseBackend('failure');
    this.fail(502);
  }

  upstreamTimeout(conn: UpstreamConnection): void {
    if (this.finished || this.upstream !== conn) return;
    this.upstream = null;
    conn.user = null;
    conn.destroy();
    if (!conn.connected) {
      this.retryElsewhere('connect-failure');
      return;
    }
    if (this.responseHead === null && this.mayRetry('timeout')) {
      this.retryElsewhere('timeout');
      return;
    }
    this.releaseBackend('timeout');
    if (!this.responseStarted) this.fail(504);
    else this.client.destroy();
  }

  /**
   * `retries.on` timeout/5xx: only when sending the request again is safe and possible —
   * an idempotent method, no request body, nothing relayed to the client yet, attempts left.
   * (Connect failures are always retried: nothing reached the backend.)
   */
  private mayRetry(condition: 'timeout' | '5xx'): boolean {
    return (
      this.requestBody === Body.None &&
      !this.responseStarted &&
      this.attempts <= this.service.config.retries.attempts &&
      IDEMPOTENT.has(this.head.method) &&
      this.service.config.retries.on.includes(condition)
    );
  }

  /** A 5xx answer that `retries.on: [5xx]` lets us try elsewhere: drop it unread. */
  private retryAfter5xx(conn: UpstreamConnection): void {
    this.upstream = null;
    conn.user = null;
    conn.destroy();
    const backend = this.backend!;
    this.latencyMs = performance.now() - this.startedAt;
    this.releaseBackend('success'); // passive health and the breaker see the 5xx status
    this.responseHead = null;
    this.reader.reset();
    this.latencyMs = -1;
    (this.tried ??= []).push(backend);
    this.tryNextBackend();
  }

  private retryElsewhere(outcome: 'connect-failure' | 'timeout'): void {
    const backend = this.backend!;
    this.releaseBackend(outcome);
    (this.tried ??= []).push(backend);
    if (this.attempts > this.service.config.retries.attempts) {
      this.fail(502);
      return;
    }
    this.tryNextBackend();
  }

  /** The client went away: stop the upstream side without blaming the backend. */
  clientAborted(): void {
    if (this.bodySink !== null) this.bodySink.destroy();
    if (this.finished) return;
    this.finished = true;
    this.record(this.responseHead?.status ?? 0);
    this.abortUpstream('cancelled');
  }

  private abortUpstream(outcome: 'cancelled' | 'failure'): void {
    const conn = this.upstream;
    this.upstream = null;
    if (conn !== null) {
      conn.user = null;
      conn.destroy();
    }
    this.releaseBackend(outcome);
  }

  private badResponse(reason: string): void {
    void reason;
    if (this.responseStarted) this.record(this.responseHead!.status);
    const conn = this.upstream;
    this.upstream = null;
    if (conn !== null) {
      conn.user = null;
      conn.destroy();
    }
    this.releaseBackend('failure');
    if (!this.responseStarted) this.fail(502);
    else this.client.destroy();
  }

  private releaseBackend(outcome: 'success' | 'failure' | 'connect-failure' | 'timeout' | 'cancelled'): void {
    const backend = this.backend;
    if (backend === null) return;
    this.backend = null;
    const latency = this.latencyMs >= 0 ? this.latencyMs : performance.now() - this.startedAt;
    this.service.endOn(backend, outcome, latency, this.responseHead === null ? 0 : this.responseHead.status);
    const breaker = this.breaker;
    if (breaker !== null) {
      this.breaker = null;
      if (this.connecting) {
        this.connecting = false;
        breaker.pending--;
      }
      breaker.done(outcome, this.responseHead === null ? 0 : this.responseHead.status, latency);
    }
  }

  /** Count this exchange once, when its outcome is known; 0 means no response was sent. */
  private record(status: number): void {
    if (this.recorded) return;
    this.recorded = true;
    const client = this.client;
    const durationMs = performance.now() - this.startedAt;
    const bytesIn = client.bytesIn - client.readMark;
    const bytesOut = client.bytesOut - client.writeMark;
    this.route.stats.counters(this.servedBy).record(status, durationMs, bytesIn, bytesOut);
    const accessLog = client.observers.accessLog;
    if (accessLog !== null) {
      accessLog.request({
        listener: this.route.stats.listener,
        route: this.route.stats.route,
        service: this.route.stats.service,
        backend: this.servedBy,
        clientIp: this.clientIp,
        protocol: this.head.version === 11 ? 'HTTP/1.1' : 'HTTP/1.0',
        head: this.head,
        status,
        durationMs,
        bytesIn,
        bytesOut,
      });
    }
  }

  /** Answer with an error of our own; the connection survives only if the request was fully read. */
  private fail(status: number, extraHeaders = ''): void {
    this.finished = true;
    this.record(status);
    const close = !this.requestDone || !this.keepClientAlive;
    this.client.refuse(status, close, extraHeaders);
    if (!close) this.client.exchangeDone(true);
  }
}

/** The request's ChunkSink: chunked request bodies are rare enough for an object of their own. */
class RequestChunks implements ChunkSink {
  constructor(private readonly exchange: Exchange) {}
  chunkData(data: Buffer): void {
    this.exchange.writeRequestChunk(data);
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

/** Trailer fields that must not be relayed: framing, routing and connection control. */
function isTrailerDropped(lowerName: string): boolean {
  return (
    lowerName === 'content-length' ||
    lowerName === 'transfer-encoding' ||
    lowerName === 'host' ||
    lowerName === 'connection' ||
    lowerName === 'trailer' ||
    lowerName === 'te'
  );
}
