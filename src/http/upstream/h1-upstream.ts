// One request's side toward HTTP/1.1 backends, whatever the client speaks (an HTTP/1.1 Exchange or
// an HTTP/2 stream): the pooled connection of each attempt, the response reader, the timeouts, and
// the failures turned into the retries the Attempt allows or into the 502/504 the client gets.
import { Failure, LOAD_HEADER, type Attempt } from '../../attempt/attempt.js';
import type { RouteSettings } from '../../config/route-settings.js';
import { deadlines } from '../../net/deadlines.js';
import type { Backend } from '../../pool/backend.js';
import type { Service } from '../../pool/service.js';
import type { FieldList } from '../h1/fields.js';
import type { ResponseHead } from '../h1/response-head.js';
import { Framing, ResponseReader, type ResponseSink } from '../h1/response-reader.js';
import type { UpstreamConnection, UpstreamTransport, UpstreamUser } from './connection.js';
import { upstreamPool } from './pool.js';
import { dropConnection, releaseConnection } from './release.js';
import { serviceTransport, type TransportClient } from './transport.js';

/** The client side of the request, as the upstream side sees it. */
export interface H1UpstreamOwner {
  /** the connection of the attempt is ready: write the request head and what is there of the body */
  upstreamReady(conn: UpstreamConnection): void;
  /** more request body may be written */
  upstreamDrain(): void;
  /** an interim head; false stops reading (a 101 taken over, or refused) */
  upstreamInterim(head: ResponseHead, buf: Buffer, rest: number): boolean;
  /** the final response head (a 5xx that was retried never arrives here); `buf[bodyStart..]` is body */
  upstreamResponse(head: ResponseHead, buf: Buffer, bodyStart: number): void;
  upstreamBody(piece: Buffer): void;
  /**
   * The body is complete (`trailers` of a chunked body). `byClose`: it ended with the connection,
   * the attempt is over; else the owner calls `complete` once the body is relayed.
   */
  upstreamEnd(trailers: FieldList | null, extraBytes: boolean, byClose: boolean): void;
  /**
   * The request failed for good: answer `status` (502 or 504) if nothing was sent to the client
   * yet, else cut the client off (a truncated response can only be told that way).
   */
  upstreamFailed(status: 502 | 504): void;
}

export class H1Upstream implements UpstreamUser, ResponseSink {
  /** the connection of the attempt in progress; null between attempts and after the end */
  conn: UpstreamConnection | null = null;
  /** the final response head, once received (and not retried) */
  response: ResponseHead | null = null;
  readonly reader: ResponseReader;
  private finished = false;

  constructor(
    private readonly owner: H1UpstreamOwner,
    private readonly attempt: Attempt,
    private readonly service: Service,
    /** the route's response/idle timeouts (its own or the service's) */
    private readonly settings: RouteSettings,
    /** who the PROXY header (if the service sends one) names */
    private readonly client: TransportClient,
    headRequest: boolean,
  ) {
    this.reader = new ResponseReader(this, headRequest);
  }

  /** The Attempt chose `backend`: a pooled connection now, or a new one that is connecting. */
  sendTo(backend: Backend): void {
    const conn = upstreamPool(backend, this.service.config.keepAlive).acquire(this);
    this.conn = conn;
    if (conn.connected) this.ready(conn);
    else {
      conn.deadline = deadlines.at(this.service.config.timeouts.connect);
      this.attempt.connectionPending();
    }
  }

  /** Request bytes were written: the response timeout counts from the last one. */
  requestProgress(conn: UpstreamConnection): void {
    const settings = this.settings;
    conn.deadline = deadlines.at(this.response === null ? settings.responseTimeout : settings.idleTimeout);
  }

  /** The response is relayed whole: the connection goes back to the pool if it can carry another request. */
  complete(requestDone: boolean, extraBytes: boolean): void {
    const conn = this.conn!;
    this.finished = true;
    const reusable = !extraBytes && this.response!.keepAlive && this.reader.framing !== Framing.UntilClose && requestDone;
    this.attempt.end('success');
    this.conn = null;
    releaseConnection(conn, this.service.config.keepAlive, reusable);
  }

  /** The client side gives up (the client left or misbehaved; a bad response): close, release with `outcome`. */
  abort(outcome: 'cancelled' | 'failure'): void {
    this.finished = true;
    const conn = this.conn;
    this.conn = null;
    if (conn !== null) dropConnection(conn);
    if (outcome === 'cancelled') this.attempt.cancel();
    else this.attempt.end('failure');
  }

  /** The connection now belongs to someone else (a WebSocket tunnel). */
  handOver(): void {
    this.finished = true;
    this.conn = null;
  }

  // --- UpstreamUser ---

  upstreamConnected(conn: UpstreamConnection): void {
    this.attempt.connectionOpened();
    this.ready(conn);
  }

  upstreamTransport(): UpstreamTransport | null {
    return serviceTransport(this.service.config, this.attempt.backend!.host, this.client);
  }

  upstreamData(conn: UpstreamConnection, data: Buffer): void {
    // the idle timeout counts from the last body byte received
    if (this.response !== null) conn.deadline = deadlines.at(this.settings.idleTimeout);
    this.reader.data(data);
  }

  upstreamDrain(): void {
    this.owner.upstreamDrain();
  }

  upstreamClosed(conn: UpstreamConnection): void {
    if (this.finished || this.conn !== conn) return;
    this.conn = null;
    const attempt = this.attempt;
    if (!conn.connected) {
      // refused or unreachable: nothing was sent, so the next candidate is safe to try
      if (!attempt.retryOrEnd(Failure.Connect, 'connect-failure')) this.fail(502);
      return;
    }
    if (this.response !== null) {
      if (this.reader.framing === Framing.UntilClose) {
        this.finished = true;
        attempt.end('success');
        this.owner.upstreamEnd(null, false, true);
        return;
      }
      attempt.end('failure'); // truncated body
      this.fail(502);
      return;
    }
    if (!this.reader.partial && conn.reused && attempt.resendOnFreshConnection()) {
      // a pooled socket the backend had already closed: once more, on a fresh connection
      const fresh = upstreamPool(conn.backend, this.service.config.keepAlive).connect(this);
      this.conn = fresh;
      fresh.deadline = deadlines.at(this.service.config.timeouts.connect);
      return;
    }
    attempt.end('failure');
    this.fail(502);
  }

  upstreamTimeout(conn: UpstreamConnection): void {
    if (this.finished || this.conn !== conn) return;
    this.conn = null;
    dropConnection(conn);
    const attempt = this.attempt;
    if (!conn.connected) {
      if (!attempt.retryOrEnd(Failure.Connect, 'connect-failure')) this.fail(502);
      return;
    }
    if (this.response === null && attempt.retryOrEnd(Failure.Timeout, 'timeout')) return;
    attempt.end('timeout');
    this.fail(504);
  }

  // --- ResponseSink ---

  responseInterim(head: ResponseHead, buf: Buffer, rest: number): boolean {
    return this.owner.upstreamInterim(head, buf, rest);
  }

  responseFinalHead(head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const conn = this.conn!;
    const attempt = this.attempt;
    attempt.responseHead(head.status, this.service.readsLoadReports ? head.fields.get(LOAD_HEADER) : undefined);
    if (head.status >= 500 && attempt.canRetry(Failure.ServerError)) {
      // dropped unread; passive health and the breaker see the 5xx status
      this.conn = null;
      dropConnection(conn);
      this.reader.reset();
      attempt.retry('success');
      return;
    }
    this.response = head;
    conn.deadline = deadlines.at(this.settings.idleTimeout);
    this.owner.upstreamResponse(head, buf, bodyStart);
  }

  responseData(piece: Buffer): void {
    this.owner.upstreamBody(piece);
  }

  responseEnd(trailers: FieldList | null, extraBytes: boolean): void {
    this.owner.upstreamEnd(trailers, extraBytes, false);
  }

  responseError(): void {
    this.abort('failure');
    this.owner.upstreamFailed(502);
  }

  private ready(conn: UpstreamConnection): void {
    conn.deadline = deadlines.at(this.settings.responseTimeout);
    this.owner.upstreamReady(conn);
  }

  private fail(status: 502 | 504): void {
    this.finished = true;
    this.owner.upstreamFailed(status);
  }
}
