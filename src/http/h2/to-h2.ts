import http2 from 'node:http2';
import { Failure, LOAD_HEADER } from '../../attempt/attempt.js';
import type { Backend } from '../../pool/backend.js';
import { responsePhasesOnHeaders } from './chain-headers.js';
import { ReadableRelay } from './readable-relay.js';
import { StreamExchange } from './stream-exchange.js';
import { relayedHeaders, upstreamH2RequestHeaders } from './upstream-headers.js';
import { upstreamSession, type UpstreamSession } from './upstream-sessions.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;

/**
 * An HTTP/2 stream forwarded to an HTTP/2 backend (`protocol: h2`) as a stream of a shared
 * session: bodies flow both ways as they come (streaming RPCs), the response's trailers are
 * relayed (grpc-status), and a reset on either side is passed to the other.
 */
export class H2ToH2Exchange extends StreamExchange {
  private upstream: http2.ClientHttp2Stream | null = null;
  private trailers: string[] | null = null;
  /** the session of the attempt in progress */
  private session: UpstreamSession | null = null;
  /** the session had completed streams when this one was sent on it */
  private sessionWasUsed = false;

  begin(): void {
    this.stream.pause(); // read once the upstream stream can take it
    if (this.runChain()) this.forward();
  }

  /** Request body from the client, straight to the backend's stream. */
  override onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    const upstream = this.upstream;
    if (upstream !== null && !upstream.write(chunk)) this.stream.pause();
  }

  override onEnd(): void {
    const upstream = this.upstream;
    if (upstream !== null && !upstream.writableEnded) upstream.end();
  }

  protected forward(): void {
    this.startPicking();
  }

  attemptOn(backend: Backend): void {
    this.openOn(upstreamSession(backend, this.service.config));
  }

  private openOn(entry: UpstreamSession): void {
    this.session = entry;
    if (entry.connected) this.open(entry);
    else {
      this.attempt.connectionPending();
      entry.session.once('connect', () => this.open(entry));
      entry.session.once('close', () => {
        if (!entry.connected && this.upstream === null && !this.finished) this.connectFailed();
      });
    }
  }

  /** Nothing reached the backend (no session, or a stream refused before it began): the next one, or 502. */
  private connectFailed(): void {
    if (!this.attempt.retryOrEnd(Failure.Connect, 'connect-failure')) this.fail(502);
  }

  private open(entry: UpstreamSession): void {
    if (this.finished || this.attempt.backend === null) return;
    this.attempt.connectionOpened();
    const scheme = this.service.config.tls === undefined ? 'http' : 'https';
    const headers = upstreamH2RequestHeaders(this.head, this.owner.peer, this.clientIp, scheme);
    const endStream = this.stream.endAfterHeaders;
    let upstream: http2.ClientHttp2Stream;
    this.sessionWasUsed = entry.completed > 0;
    try {
      upstream = entry.session.request(headers, { endStream });
    } catch {
      // the session closed between the check and the request (a GOAWAY just in)
      this.connectFailed();
      return;
    }
    this.upstream = upstream;
    upstream.setTimeout(this.route.settings.responseTimeout, this.onUpstreamTimeout);
    upstream.on('response', this.onResponse);
    upstream.on('trailers', (trailers: http2.IncomingHttpHeaders) => {
      this.trailers = relayedHeaders(trailers, false);
    });
    upstream.on('error', () => {}); // seen in 'close' through rstCode
    upstream.on('close', this.onUpstreamClose);
    if (!endStream) {
      this.attempt.bodySent = true;
      upstream.on('drain', this.onUpstreamDrain);
      this.stream.resume();
    }
  }

  private readonly onUpstreamDrain = (): void => {
    this.stream.resume();
  };

  private readonly onResponse = (headers: http2.IncomingHttpHeaders, flags: number): void => {
    const upstream = this.upstream!;
    const stream = this.stream;
    const status = Number(headers[':status']);
    if (status >= 100 && status < 200) return; // interim: not relayed
    const readsLoad = this.service.readsLoadReports;
    const report = headers[LOAD_HEADER];
    this.attempt.responseHead(status, readsLoad && typeof report === 'string' ? report : undefined);
    if (status >= 500 && this.attempt.canRetry(Failure.ServerError)) {
      this.abandonUpstream();
      this.attempt.retry('success'); // passive health and the breaker see the 5xx status
      return;
    }
    upstream.setTimeout(this.route.settings.idleTimeout, this.onUpstreamTimeout);
    if (stream.closed) return;
    this.status = status;
    this.attempt.responded = true;
    let out = relayedHeaders(headers, this.owner.hsts !== '', readsLoad ? LOAD_HEADER : '');
    const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    let compressor = null;
    if (this.run !== null) {
      // header rules, RateLimit fields, compression
      ({ headers: out, compressor } = responsePhasesOnHeaders(this.run, status, out, endStream || this.head.method === 'HEAD'));
    }
    this.addStickyCookie(out);
    out = this.withHsts(out);
    if (endStream) {
      stream.respond(status, out, true); // trailers-only (a gRPC error without messages)
      return;
    }
    stream.respond(status, out, false, true);
    // no trailers from the backend: an empty trailer block carries END_STREAM (a reset would cut the response)
    if (compressor !== null) {
      upstream.pipe(compressor);
      this.relay = new ReadableRelay(compressor, stream, this.sentTrailers);
    } else {
      this.relay = new ReadableRelay(upstream, stream, this.sentTrailers);
    }
  };

  private readonly sentTrailers = (): string[] => {
    this.bytesOut = this.relay === null ? 0 : this.relay.bytes;
    return this.trailers ?? [];
  };

  private readonly onUpstreamClose = (): void => {
    const upstream = this.upstream!;
    if (this.finished) return;
    const code = upstream.rstCode ?? NGHTTP2_NO_ERROR;
    if (code === NGHTTP2_NO_ERROR && this.status !== 0) {
      this.finished = true;
      if (this.relay !== null) this.bytesOut = this.relay.bytes;
      this.record(this.status);
      if (this.session !== null) this.session.completed++;
      this.attempt.end('success');
      return; // the client stream ends through the pipe and its trailers
    }
    if (this.status === 0 && code === NGHTTP2_REFUSED_STREAM) {
      // never processed (RFC 9113 8.7): safe to send elsewhere when nothing was read from the client
      this.upstream = null;
      if (this.attempt.retryOrEnd(Failure.RefusedStream, 'connect-failure')) return;
    } else if (this.status === 0 && this.sessionWasUsed && this.attempt.resendOnFreshConnection()) {
      // a session that worked died under this stream before any answer: once more, on a new session
      this.upstream = null;
      this.openOn(upstreamSession(this.attempt.backend!, this.service.config, true));
      return;
    }
    this.attempt.end(code === NGHTTP2_CANCEL ? 'cancelled' : 'failure');
    if (this.status === 0) this.fail(502);
    else {
      this.finished = true;
      this.record(this.status);
      if (!this.stream.closed) this.stream.reset(code === NGHTTP2_NO_ERROR ? http2.constants.NGHTTP2_INTERNAL_ERROR : code);
    }
  };

  private readonly onUpstreamTimeout = (): void => {
    if (this.finished) return;
    if (this.status === 0 && this.attempt.canRetry(Failure.Timeout)) {
      this.abandonUpstream();
      this.attempt.retry('timeout');
      return;
    }
    this.attempt.end('timeout');
    this.upstream?.close(NGHTTP2_CANCEL);
    this.fail(504);
  };

  /** Cancel the upstream stream of a failed attempt without hearing from it again (a retry follows). */
  private abandonUpstream(): void {
    const upstream = this.upstream!;
    this.upstream = null;
    upstream.off('response', this.onResponse);
    upstream.off('close', this.onUpstreamClose);
    upstream.removeAllListeners('trailers');
    upstream.off('drain', this.onUpstreamDrain);
    upstream.setTimeout(0);
    if (!upstream.closed) upstream.close(NGHTTP2_CANCEL);
  }

  protected override clientClosed(code: number): void {
    if (this.relay !== null) this.bytesOut = this.relay.bytes;
    if (this.finished) return;
    this.finished = true;
    this.record(this.status);
    // the client's side may finish first when the upstream's close is still on its way
    if (this.status !== 0 && code === NGHTTP2_NO_ERROR) this.attempt.end('success');
    else this.attempt.cancel();
    const upstream = this.upstream;
    if (upstream !== null && !upstream.closed) upstream.close(NGHTTP2_CANCEL);
  }
}
