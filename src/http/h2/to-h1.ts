import http2 from 'node:http2';
import type { Transform } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { ChunkedDecoder, type ChunkSink } from '../h1/chunked.js';
import { HttpParseError } from '../h1/parse-error.js';
import { parseResponseHead, type ResponseHead } from '../h1/response-head.js';
import { isHopByHop, upstreamRequestHead } from '../forwarding.js';
import type { UpstreamConnection, UpstreamTransport, UpstreamUser } from '../upstream/connection.js';
import { upstreamPool } from '../upstream/pool.js';
import { serviceTransport } from '../upstream/transport.js';
import { LOAD_HEADER } from '../../balancing/load-report.js';
import { h2Compressor, pipeCompressed } from './compress-stream.js';
import { StreamExchange } from './stream-exchange.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_RESPONSE_HEAD = 64 * 1024;
/** request bodies up to this size are read whole first, so the backend gets a Content-Length */
const BUFFER_BEFORE_SENDING = 64 * 1024;
const HSTS_FIELD = 'strict-transport-security';

const enum Body {
  None,
  Length,
  Chunked,
  UntilClose,
}

/**
 * An HTTP/2 stream forwarded to an HTTP/1.1 backend over the pooled keep-alive connections.
 * The request is framed from the DATA actually received: a stream that ended before the
 * head is sent gets `Content-Length` = the bytes received; a longer one goes chunked.
 */
export class H2ToH1Exchange extends StreamExchange implements UpstreamUser, ChunkSink {
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
  private responsePending: Buffer | null = null;
  private responseBody = Body.None;
  private responseRemaining = 0;
  private decoder: ChunkedDecoder | null = null;
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
    if (this.responseHead === null || this.responsePending !== null) {
      this.readResponseHead(conn, data);
      return;
    }
    this.responseData(conn, data, 0);
  }

  private readResponseHead(conn: UpstreamConnection, data: Buffer): void {
    let buf = this.responsePending === null ? data : Buffer.concat([this.responsePending, data]);
    for (;;) {
      const end = buf.indexOf(CRLFCRLF);
      if (end === -1) {
        if (buf.length > MAX_RESPONSE_HEAD) return this.badResponse();
        this.responsePending = Buffer.from(buf);
        return;
      }
      let head: ResponseHead;
      try {
        head = parseResponseHead(buf.toString('latin1', 0, end), end);
      } catch (error) {
        if (error instanceof HttpParseError) return this.badResponse();
        throw error;
      }
      if (head.status >= 100 && head.status < 200) {
        // interim responses are not relayed (a 101 can't be: HTTP/2 has no Upgrade)
        if (head.status === 101) return this.badResponse();
        if (end + 4 >= buf.length) {
          this.responsePending = null;
          return;
        }
        buf = buf.subarray(end + 4);
        continue;
      }
      this.responsePending = null;
      this.responseHead = head;
      this.latencyMs = performance.now() - this.startedAt;
      conn.deadline = Date.now() + this.service.config.timeouts.idle;
      this.startResponse(conn, head, buf, end + 4);
      return;
    }
  }

  private startResponse(conn: UpstreamConnection, head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const status = head.status;
    const noBody = this.head.method === 'HEAD' || status === 204 || status === 304;
    if (noBody) this.responseBody = Body.None;
    else if (head.chunked) this.responseBody = Body.Chunked;
    else if (head.contentLength >= 0) this.responseBody = head.contentLength === 0 ? Body.None : Body.Length;
    else this.responseBody = Body.UntilClose;
    this.responseRemaining = head.contentLength;
    let compressor: Transform | null = null;
    if (this.run !== null) {
      this.run.applyResponsePhases(status, head.fields); // header rules, RateLimit fields
      compressor = h2Compressor(this.run, status, head.fields, head.contentLength, this.responseBody === Body.None);
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
    stream.respond(this.withHsts(headers), { endStream: this.responseBody === Body.None });
    if (this.responseBody === Body.None) {
      this.responseComplete(conn, bodyStart < buf.length);
      return;
    }
    if (compressor !== null) {
      this.compressor = compressor;
      compressor.on('drain', this.onClientDrain);
      pipeCompressed(compressor, stream);
    }
    if (this.responseBody === Body.Chunked) this.decoder = new ChunkedDecoder(this, 502);
    if (bodyStart < buf.length) this.responseData(conn, buf, bodyStart);
  }

  private responseData(conn: UpstreamConnection, data: Buffer, start: number): void {
    conn.deadline = Date.now() + this.service.config.timeouts.idle;
    switch (this.responseBody) {
      case Body.Length: {
        const available = data.length - start;
        const take = available < this.responseRemaining ? available : this.responseRemaining;
        this.responseRemaining -= take;
        this.sendToClient(data.subarray(start, start + take));
        if (this.responseRemaining === 0) {
          this.endClientBody();
          this.responseComplete(conn, take < available);
        }
        return;
      }
      case Body.Chunked: {
        let end: number;
        try {
          end = this.decoder!.feed(data, start);
        } catch (error) {
          if (error instanceof HttpParseError) return this.badResponse();
          throw error;
        }
        if (end !== -1) {
          this.endClientBody(); // HTTP/1.1 trailers are not relayed to HTTP/2 clients
          this.responseComplete(conn, end < data.length);
        }
        return;
      }
      case Body.UntilClose:
        this.sendToClient(start === 0 ? data : data.subarray(start));
        return;
      case Body.None:
        return;
    }
  }

  chunkData(data: Buffer): void {
    this.sendToClient(data);
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
    const reusable = !extraBytes && this.responseHead!.keepAlive && this.responseBody !== Body.UntilClose && this.requestDone;
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
    if (this.responseHead !== null && this.responsePending === null && this.responseBody === Body.UntilClose) {
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
