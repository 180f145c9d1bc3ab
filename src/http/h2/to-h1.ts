import http2 from 'node:http2';
import type { Transform } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { ResponseHead } from '../h1/response-head.js';
import { Framing, ResponseReader, type ResponseSink } from '../h1/response-reader.js';
import { isHopByHop, upstreamRequestHead } from '../forwarding.js';
import type { UpstreamConnection, UpstreamTransport, UpstreamUser } from '../upstream/connection.js';
import { upstreamPool } from '../upstream/pool.js';
import { serviceTransport } from '../upstream/transport.js';
import { LOAD_HEADER } from '../../balancing/load-report.js';
import { h2Compressor, pipeCompressed } from './compress-stream.js';
import { StreamExchange } from './stream-exchange.js';

/** request bodies up to this size are read whole first, so the backend gets a Content-Length */
const BUFFER_BEFORE_SENDING = 64 * 1024;
const HSTS_FIELD = 'strict-transport-security';

/**
 * An HTTP/2 stream forwarded to an HTTP/1.1 backend over the pooled keep-alive connections.
 * The request is framed from the DATA actually received: a stream that ended before the
 * head is sent gets `Content-Length` = the bytes received; a longer one goes chunked.
 */
export class H2ToH1Exchange extends StreamExchange implements UpstreamUser, ResponseSink {
  private upstream: UpstreamConnection | null = null;
  /** request body received and not yet sent */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private requestEnded: boolean;
  private started = false;
  /** the head went out: body bytes now go straight to the backend */
  private headSent = false;
  private chunkedRequest = false;
  private requestDone = false;

  private responseHead: ResponseHead | null = null;
  private readonly reader: ResponseReader;
  /** the route's compression of the response body, piped into the client's stream; null = as it is */
  private compressor: Transform | null = null;

  begin(maxBodyBytes: number): void {
    if (!this.runChain()) return;
    const stream = this.stream;
    stream.on('close', this.onClientClose);
    stream.on('drain', this.onClientDrain);
    if (this.requestEnded) {
      this.start();
      return;
    }
    stream.on('data', (chunk: Buffer) => {
      if (this.finished) return;
      this.bytesIn += chunk.length;
      if (maxBodyBytes > 0 && this.bytesIn > maxBodyBytes) {
        this.abortUpstream('cancelled');
        this.fail(413);
        return;
      }
      if (!this.headSent) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        if (this.pendingBytes >= BUFFER_BEFORE_SENDING) {
          stream.pause(); // until the upstream takes it
          this.start();
        }
        return;
      }
      this.writeBody(chunk);
    });
    stream.on('end', () => {
      this.requestEnded = true;
      if (!this.started) this.start();
      else if (this.headSent) this.endBody();
    });
  }

  constructor(...args: ConstructorParameters<typeof StreamExchange>) {
    super(...args);
    this.requestEnded = this.stream.endAfterHeaders;
    this.reader = new ResponseReader(this, this.head.method === 'HEAD');
  }

  private start(): void {
    if (this.started || this.finished) return;
    this.started = true;
    this.startPicking();
  }

  protected tryNextBackend(): void {
    const backend = this.pickBackend();
    if (backend === undefined) return;
    const conn = upstreamPool(backend, this.service.config.keepAlive).acquire(this);
    this.upstream = conn;
    if (conn.connected) this.sendHead(conn);
    else {
      conn.deadline = Date.now() + this.service.config.timeouts.connect;
      this.connectionPending();
    }
  }

  upstreamConnected(conn: UpstreamConnection): void {
    this.connectionOpened();
    this.sendHead(conn);
  }

  upstreamTransport(): UpstreamTransport | null {
    return serviceTransport(this.service.config, this.backend!.host, this.owner);
  }

  private sendHead(conn: UpstreamConnection): void {
    const hasBody = this.pendingBytes > 0 || !this.requestEnded;
    // ended: the length is known exactly; else chunked, whatever content-length the client declared
    this.chunkedRequest = !this.requestEnded;
    const length = this.requestEnded ? (hasBody || methodExpectsBody(this.head.method) ? this.pendingBytes : -2) : -1;
    const text = upstreamRequestHead(this.head, this.owner.peer, this.clientIp, length);
    conn.deadline = Date.now() + this.service.config.timeouts.response;
    this.headSent = true;
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
    const conn = this.upstream;
    if (conn === null || chunk.length === 0) return;
    conn.deadline = Date.now() + (this.responseHead === null ? this.service.config.timeouts.response : this.service.config.timeouts.idle);
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
    if (this.chunkedRequest) this.upstream?.write('0\r\n\r\n');
  }

  upstreamDrain(): void {
    if (!this.requestDone) this.stream.resume();
  }

  // --- response: HTTP/1.1 backend -> HTTP/2 client ---

  upstreamData(conn: UpstreamConnection, data: Buffer): void {
    if (this.responseHead !== null) conn.deadline = Date.now() + this.service.config.timeouts.idle;
    this.reader.data(data);
  }

  /** Interim responses are not relayed (a 101 can't be: HTTP/2 has no Upgrade). */
  responseInterim(head: ResponseHead): boolean {
    if (head.status !== 101) return true;
    this.badResponse();
    return false;
  }

  responseFinalHead(head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const conn = this.upstream!;
    this.responseHead = head;
    this.latencyMs = performance.now() - this.startedAt;
    conn.deadline = Date.now() + this.service.config.timeouts.idle;
    this.startResponse(conn, head, buf, bodyStart);
  }

  responseError(): void {
    this.badResponse();
  }

  private startResponse(conn: UpstreamConnection, head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const status = head.status;
    const noBody = this.reader.framing === Framing.None;
    let compressor: Transform | null = null;
    if (this.run !== null) {
      this.run.applyResponsePhases(status, head.fields); // header rules, RateLimit fields
      compressor = h2Compressor(this.run, status, head.fields, head.contentLength, noBody);
    }
    const headers: http2.OutgoingHttpHeaders = { ':status': status };
    const { lower, values } = head.fields;
    const hideLoad = this.service.readsLoadReports;
    const hsts = this.owner.hsts !== '';
    for (let i = 0; i < lower.length; i++) {
      const name = lower[i]!;
      if (isHopByHop(name, head.connectionTokens) || (hideLoad && name === LOAD_HEADER) || (hsts && name === HSTS_FIELD)) continue;
      const previous = headers[name];
      if (previous === undefined) headers[name] = values[i]!;
      else if (Array.isArray(previous)) previous.push(values[i]!);
      else headers[name] = [String(previous), values[i]!];
    }
    if (head.contentLength >= 0 && status !== 204 && status !== 304 && compressor === null) headers['content-length'] = head.contentLength;
    this.addStickyCookie(headers);
    const stream = this.stream;
    if (stream.closed) return;
    this.status = status;
    stream.respond(this.withHsts(headers), { endStream: noBody });
    if (noBody) {
      this.responseComplete(conn, bodyStart < buf.length);
      return;
    }
    if (compressor !== null) {
      this.compressor = compressor;
      compressor.on('drain', this.onClientDrain);
      pipeCompressed(compressor, stream);
    }
    if (bodyStart < buf.length) this.reader.body(buf, bodyStart);
  }

  responseData(piece: Buffer): void {
    this.sendToClient(piece);
  }

  /** HTTP/1.1 trailers are not relayed to HTTP/2 clients. */
  responseEnd(_trailers: unknown, extraBytes: boolean): void {
    this.endClientBody();
    this.responseComplete(this.upstream!, extraBytes);
  }

  private sendToClient(piece: Buffer): void {
    if (piece.length === 0 || this.stream.closed) return;
    this.bytesOut += piece.length;
    // a copy: `piece` lives in the upstream connection's reusable read buffer
    const into = this.compressor ?? this.stream;
    if (!into.write(Buffer.from(piece))) this.upstream?.socket.pause();
  }

  /** The response body is complete: end the client's stream (through the compressor when there is one). */
  private endClientBody(): void {
    if (this.compressor !== null) this.compressor.end();
    else this.stream.end();
  }

  /** The client's stream (or the compressor feeding it) can take more. */
  private readonly onClientDrain = (): void => {
    if (this.compressor !== null && this.compressor.writableNeedDrain) return;
    this.upstream?.socket.resume();
  };

  private responseComplete(conn: UpstreamConnection, extraBytes: boolean): void {
    this.finished = true;
    this.record(this.status);
    const reusable = !extraBytes && this.responseHead!.keepAlive && this.reader.framing !== Framing.UntilClose && this.requestDone;
    this.releaseBackend('success');
    this.upstream = null;
    if (reusable) {
      conn.socket.resume(); // it may have been paused for a slow client: the next user must read
      upstreamPool(conn.backend, this.service.config.keepAlive).release(conn);
    }
    else {
      conn.user = null;
      conn.destroy();
    }
  }

  // --- failures ---

  upstreamClosed(conn: UpstreamConnection): void {
    if (this.finished || this.upstream !== conn) return;
    this.upstream = null;
    if (!conn.connected) {
      if (this.connectFailed()) this.tryNextBackend();
      return;
    }
    if (this.responseHead !== null && this.reader.framing === Framing.UntilClose) {
      this.finished = true;
      this.record(this.status);
      this.releaseBackend('success');
      this.endClientBody();
      return;
    }
    this.releaseBackend('failure');
    this.fail(502);
  }

  upstreamTimeout(conn: UpstreamConnection): void {
    if (this.finished || this.upstream !== conn) return;
    this.upstream = null;
    conn.user = null;
    conn.destroy();
    if (!conn.connected) {
      if (this.connectFailed()) this.tryNextBackend();
      return;
    }
    this.releaseBackend('timeout');
    this.fail(504);
  }

  private badResponse(): void {
    this.abortUpstream('failure');
    this.fail(502);
  }

  private readonly onClientClose = (): void => {
    if (this.finished) return;
    this.finished = true;
    this.record(this.status);
    this.abortUpstream('cancelled');
  };

  private abortUpstream(outcome: 'cancelled' | 'failure'): void {
    const conn = this.upstream;
    this.upstream = null;
    if (conn !== null) {
      conn.user = null;
      conn.destroy();
    }
    this.releaseBackend(outcome);
  }
}

function methodExpectsBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}
