import { chooseBackend } from '../choose-backend.js';
import http2 from 'node:http2';
import { STATUS_CODES } from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Outcome } from '../../balancing/balancer.js';
import type { Backend } from '../../pool/backend.js';
import type { BreakerRefusal, CircuitBreaker } from '../../pool/circuit-breaker.js';
import type { Service } from '../../pool/service.js';
import type { Observers } from '../../observe/observers.js';
import { isPromise } from '../../state/state-store.js';
import { admitAttempt, breakerBody } from '../breaker-gate.js';
import type { RequestHead } from '../h1/request-head.js';
import type { RouteTarget } from '../listener-state.js';
import type { Answer } from '../middleware/chain.js';
import { ChainRun, requestVerdict, type ChainClient } from '../middleware/run.js';
import { appendHeader, respondWithAnswer } from './chain-headers.js';
import { serveStaticOnStream } from './static-stream.js';

const { NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** What a stream's exchange needs from its client connection (one HTTP/2 session). */
export interface StreamOwner extends ChainClient {
  readonly socket: net.Socket;
  readonly observers: Observers;
  /** the Strict-Transport-Security value for responses; '' = none */
  readonly hsts: string;
  /** reset a stream on Fulcrum's initiative (not counted as a client reset) */
  reset(stream: http2.ServerHttp2Stream, code: number): void;
  /** GOAWAY: the streams in progress finish, no new ones (a middleware answer that closes) */
  close(): void;
}

/**
 * One HTTP/2 stream and its trip to a backend: the balancing, the counters and the metrics
 * that every upstream protocol shares (the same bookkeeping as the HTTP/1.1 Exchange).
 */
export abstract class StreamExchange {
  protected backend: Backend | null = null;
  protected tried: Backend[] | null = null;
  protected attempts = 0;
  protected startedAt = performance.now();
  protected latencyMs = -1;
  /** the status sent to the client; 0 until the response head is sent */
  protected status = 0;
  protected finished = false;
  protected bytesIn = 0;
  protected bytesOut = 0;
  protected readonly service: Service;
  private servedBy: Backend | null = null;
  private recorded = false;
  /** the route's middlewares for this stream; null on routes without */
  protected run: ChainRun<ChainClient> | null = null;
  /** sticky sessions: the backend the request's cookie or client IP points to */
  private stuckTo: Backend | undefined = undefined;
  /** the breaker that admitted the current attempt (owed one `done`); null without one */
  private breaker: CircuitBreaker | null = null;
  /** the current attempt counts as pending in the breaker until its connection opens */
  private connecting = false;

  constructor(
    protected readonly stream: http2.ServerHttp2Stream,
    protected readonly head: RequestHead,
    protected readonly route: RouteTarget,
    protected readonly clientIp: string,
    protected readonly owner: StreamOwner,
  ) {
    this.service = route.service;
  }

  /** Sends the request to a backend (or answers the stream on failure); called again for a retry. */
  protected abstract tryNextBackend(): void;

  /**
   * The route's request phases (the same decision code as HTTP/1.1): false when they answered the
   * stream by themselves (403, 429, a redirect, a file); otherwise rewrites and header rules applied.
   */
  protected runChain(): boolean {
    const chain = this.route.middlewares;
    if (chain === null) return true;
    const run = new ChainRun<ChainClient>(chain, this.owner, this.head, this.clientIp);
    const answer = requestVerdict(run);
    if (answer !== null) {
      this.answerLocally(run, answer);
      return false;
    }
    if (chain.staticFiles !== null) {
      this.finished = true;
      serveStaticOnStream(this.stream, run, chain.staticFiles, this.owner.hsts, (status, bytesOut) => {
        this.status = status;
        this.bytesOut = bytesOut;
        this.record(status);
      });
      this.stopReading();
      return false;
    }
    this.run = run;
    return true;
  }

  private answerLocally(run: ChainRun<ChainClient>, answer: Answer): void {
    this.finished = true;
    this.status = answer.status;
    this.bytesOut = respondWithAnswer(this.stream, run, answer, this.owner.hsts);
    this.record(answer.status);
    this.stopReading();
    if (answer.close === true) this.owner.close(); // over maxConnectionsPerClient
  }

  /** A request body nobody will read: reset the stream's receiving side once the answer is out. */
  private stopReading(): void {
    const stream = this.stream;
    if (stream.endAfterHeaders || stream.closed) return;
    stream.once('finish', () => {
      if (!stream.closed) this.owner.reset(stream, http2.constants.NGHTTP2_NO_ERROR);
    });
  }

  /** The first pick: sticky sessions look up the backend the request is stuck to first. */
  protected startPicking(): void {
    const sticky = this.service.sticky;
    if (sticky === null) return this.tryNextBackend();
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

  /** The response's headers gain what the route adds: response phases were applied by the caller; here the sticky cookie. */
  protected addStickyCookie(headers: http2.OutgoingHttpHeaders): void {
    const sticky = this.service.sticky;
    if (sticky === null || this.servedBy === null) return;
    const line = sticky.onResponse(this.servedBy, this.stuckTo, this.clientIp, this.owner.peer.proto === 'https');
    // an HTTP/1.1 field line "Set-Cookie: value\r\n"
    if (line !== '') appendHeader(headers, 'set-cookie', line.slice(line.indexOf(':') + 1).trim());
  }

  /** The attempt waits for a new upstream connection: it counts as pending in the breaker. */
  protected connectionPending(): void {
    if (this.breaker === null || this.connecting) return;
    this.connecting = true;
    this.breaker.pending++;
  }

  /** The upstream connection of the attempt is open. */
  protected connectionOpened(): void {
    if (!this.connecting) return;
    this.connecting = false;
    this.breaker!.pending--;
  }

  /** The next backend (counted as in use), or undefined after answering 503/502. */
  protected pickBackend(): Backend | undefined {
    const service = this.service;
    const backend = chooseBackend(service, this.head, this.clientIp, this.stuckTo, this.attempts === 0, this.tried);
    if (backend === undefined) {
      if (this.attempts === 0) {
        this.owner.observers.stats.service(service.name).noBackend++;
        this.fail(503, { 'retry-after': '1' });
      } else {
        this.fail(502);
      }
      return undefined;
    }
    const breaker = service.breaker;
    if (breaker !== null) {
      const refusal = admitAttempt(breaker, service, backend);
      if (refusal !== '') {
        this.refuseByBreaker(breaker, refusal);
        return undefined;
      }
      this.breaker = breaker;
    }
    this.attempts++;
    if (this.attempts > 1) this.owner.observers.stats.service(service.name).retries++;
    this.backend = backend;
    this.servedBy = backend;
    service.startOn(backend);
    return backend;
  }

  /** The backend could not be reached: try the next one if retries allow. */
  protected connectFailed(): boolean {
    const backend = this.backend;
    this.releaseBackend('connect-failure');
    if (backend !== null) (this.tried ??= []).push(backend);
    if (this.attempts > this.service.config.retries.attempts) {
      this.fail(502);
      return false;
    }
    return true;
  }

  protected releaseBackend(outcome: Outcome): void {
    const backend = this.backend;
    if (backend === null) return;
    this.backend = null;
    const latency = this.latencyMs >= 0 ? this.latencyMs : performance.now() - this.startedAt;
    this.service.endOn(backend, outcome, latency, this.status);
    const breaker = this.breaker;
    if (breaker !== null) {
      this.breaker = null;
      this.connectionOpened();
      breaker.done(outcome, this.status, latency);
    }
  }

  /** The circuit breaker refused the attempt: 503 at once, with Retry-After and which limit. */
  private refuseByBreaker(breaker: CircuitBreaker, refusal: Exclude<BreakerRefusal, ''>): void {
    if (this.finished) return;
    this.finished = true;
    this.status = 503;
    this.record(503);
    const extra = this.withHsts({ 'retry-after': String(breaker.retryAfterSeconds()), 'x-fulcrum-circuit': refusal });
    respondText(this.stream, 503, breakerBody(this.service.name, refusal), extra);
  }

  /** Count this stream once, when its outcome is known; 0 means no response was sent. */
  protected record(status: number): void {
    if (this.recorded) return;
    this.recorded = true;
    const durationMs = performance.now() - this.startedAt;
    this.route.stats.counters(this.servedBy).record(status, durationMs, this.bytesIn, this.bytesOut);
    const accessLog = this.owner.observers.accessLog;
    if (accessLog !== null) {
      accessLog.request({
        listener: this.route.stats.listener,
        route: this.route.stats.route,
        service: this.route.stats.service,
        backend: this.servedBy,
        clientIp: this.clientIp,
        protocol: 'HTTP/2',
        head: this.head,
        status,
        durationMs,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
      });
    }
  }

  /** Answer with an error of our own, or reset the stream when a response has already begun. */
  protected fail(status: number, extra: http2.OutgoingHttpHeaders = {}): void {
    if (this.finished) return;
    this.finished = true;
    const stream = this.stream;
    if (this.status === 0 && !stream.headersSent && !stream.closed) {
      this.status = status;
      this.record(status);
      respondError(stream, status, extra);
      return;
    }
    this.record(this.status);
    if (!stream.closed) this.owner.reset(stream, NGHTTP2_INTERNAL_ERROR);
  }

  /** The headers of a response for the client, with HSTS when the listener sets it. */
  protected withHsts(headers: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
    if (this.owner.hsts !== '') headers['strict-transport-security'] = this.owner.hsts;
    return headers;
  }
}

/** A small plain-text answer of Fulcrum's own (404, 502, 503, ...). */
export function respondError(stream: http2.ServerHttp2Stream, status: number, extra: http2.OutgoingHttpHeaders = {}): void {
  respondText(stream, status, `${status} ${STATUS_CODES[status] ?? 'Error'}\n`, extra);
}

/** A plain-text answer with `body`. */
export function respondText(stream: http2.ServerHttp2Stream, status: number, body: string, extra: http2.OutgoingHttpHeaders = {}): void {
  if (stream.headersSent || stream.closed) return;
  stream.respond({
    ':status': status,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extra,
  });
  stream.end(body);
}
