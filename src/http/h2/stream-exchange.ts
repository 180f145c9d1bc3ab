import { STATUS_CODES } from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Attempt, type AttemptHandler, type AttemptRefusal } from '../../attempt/attempt.js';
import type { Backend } from '../../pool/backend.js';
import type { Service } from '../../pool/service.js';
import type { Observers } from '../../observe/observers.js';
import { recordRequest } from '../../observe/request-record.js';
import { breakerBody } from '../breaker-gate.js';
import { RequestKeySource } from '../request-values.js';
import type { RequestHead } from '../h1/request-head.js';
import type { RouteTarget } from '../listener-state.js';
import type { Answer } from '../middleware/chain.js';
import { ChainRun, failedPhaseAnswer, lateVerdictAnswer, requestVerdict, type ChainClient } from '../middleware/run.js';
import { isPromise, type MaybePromise } from '../../state/state-store.js';
import { respondWithAnswer } from './chain-headers.js';
import type { ClientStream, ClientStreamHandler } from './client-stream.js';
import type { ReadableRelay } from './readable-relay.js';
import { serveStaticOnStream, type StaticOwner } from './static-stream.js';

const INTERNAL_ERROR = 2;

/** What a stream's exchange needs from its client connection (one HTTP/2 session). */
export interface StreamOwner extends ChainClient {
  readonly socket: net.Socket;
  readonly observers: Observers;
  /** the Strict-Transport-Security value for responses; '' = none */
  readonly hsts: string;
  /** GOAWAY: the streams in progress finish, no new ones (a middleware answer that closes) */
  close(): void;
}

/**
 * One HTTP/2 stream and its trip to a backend: the client's side that every upstream protocol
 * shares (the route's middlewares, Fulcrum's own answers, recording); the Attempt chooses the
 * backends and decides the retries, the subclass speaks to the backend.
 */
export abstract class StreamExchange implements AttemptHandler, ClientStreamHandler, StaticOwner {
  protected readonly attempt: Attempt;
  /** the status sent to the client; 0 until the response head is sent */
  protected status = 0;
  protected finished = false;
  protected bytesIn = 0;
  protected bytesOut = 0;
  protected readonly service: Service;
  private recorded = false;
  /** the route's middlewares for this stream; null on routes without */
  protected run: ChainRun<ChainClient> | null = null;
  /** the response body relayed from a Readable (a file, a compressor, an h2 backend's stream) */
  protected relay: ReadableRelay | null = null;
  /** a static file being streamed: its status, recorded when the stream closes */
  private staticStatus = -1;

  constructor(
    protected readonly stream: ClientStream,
    protected readonly head: RequestHead,
    protected readonly route: RouteTarget,
    protected readonly clientIp: string,
    protected readonly owner: StreamOwner,
  ) {
    this.service = route.service;
    this.attempt = new Attempt(route.service, this, clientIp, head.method, !stream.endAfterHeaders, owner.observers);
    stream.handler = this;
  }

  // --- the client's stream (ClientStreamHandler); the subclasses take what they need ---

  onData(_chunk: Buffer): void {}

  onEnd(_trailers: string[] | null): void {}

  onWritable(): void {
    this.relay?.writable();
  }

  onClose(code: number): void {
    this.relay?.close();
    if (this.staticStatus >= 0) {
      this.status = this.staticStatus;
      this.bytesOut = this.relay === null ? 0 : this.relay.bytes;
      this.record(this.staticStatus);
      return;
    }
    this.clientClosed(code);
  }

  /** The client's stream is over (`code` NO_ERROR when both sides ended). */
  protected clientClosed(_code: number): void {}

  staticAnswered(status: number, bytesOut: number): void {
    this.status = status;
    this.bytesOut = bytesOut;
    this.record(status);
  }

  staticStreaming(status: number, relay: ReadableRelay): void {
    this.staticStatus = status;
    this.relay = relay;
  }

  /** Send the request to `backend` (AttemptHandler); called again for each retry. */
  abstract attemptOn(backend: Backend): void;

  attemptKey(): RequestKeySource {
    return new RequestKeySource(this.head, this.clientIp);
  }

  /** No backend can take the stream: 503 (with Retry-After, and which limit for the breaker) or 502. */
  attemptRefused(refusal: AttemptRefusal): void {
    if (refusal.reason !== 'circuit') {
      this.fail(refusal.status, refusal.status === 503 ? ['retry-after', '1'] : []);
      return;
    }
    if (this.finished) return;
    this.finished = true;
    this.status = 503;
    this.record(503);
    const extra = this.withHsts(['retry-after', String(refusal.retryAfterSeconds), 'x-fulcrum-circuit', refusal.circuit]);
    respondText(this.stream, 503, breakerBody(this.service.name, refusal.circuit), extra);
  }

  /** What follows the request phases when they let the request through: forwarding it. */
  protected abstract forward(): void;

  /**
   * The route's request phases (the same decision code as HTTP/1.1): true to forward now (rewrites
   * and header rules applied); false when they answered the stream by themselves (403, 429, a
   * redirect, a file) or answered with a promise, after which `forward` is called if they let it through.
   */
  protected runChain(): boolean {
    const chain = this.route.middlewares;
    if (chain === null) return true;
    const run = new ChainRun<ChainClient>(chain, this.owner, this.head, this.clientIp);
    let verdict: MaybePromise<Answer | null>;
    try {
      verdict = requestVerdict(run);
    } catch (error) {
      verdict = failedPhaseAnswer(run, error);
    }
    if (verdict !== null && isPromise(verdict)) {
      this.awaitVerdict(run, verdict);
      return false;
    }
    return this.afterPhases(run, verdict);
  }

  /** The phases decided: answer by ourselves (false), or keep the run for the response phases (true). */
  private afterPhases(run: ChainRun<ChainClient>, answer: Answer | null): boolean {
    if (answer !== null) {
      this.answerLocally(run, answer);
      return false;
    }
    const chain = run.chain;
    if (chain.staticFiles !== null) {
      this.finished = true;
      serveStaticOnStream(this.stream, run, chain.staticFiles, this.owner.hsts, this);
      this.stopReading();
      return false;
    }
    this.run = run;
    return true;
  }

  /**
   * The stream waits for a phase's promise (its body stays unread, so flow control holds the
   * client), bounded by the route's response timeout (504); a client that resets meanwhile is let go.
   */
  private awaitVerdict(run: ChainRun<ChainClient>, verdict: Promise<Answer | null>): void {
    const timeoutMs = this.route.settings.responseTimeout;
    let decided = false;
    const decide = (answer: Answer | null): void => {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      if (this.finished || this.stream.closed) return;
      if (this.afterPhases(run, answer)) this.forward();
    };
    const timer = setTimeout(() => decide(lateVerdictAnswer(run, timeoutMs)), timeoutMs);
    timer.unref();
    verdict.then(decide, (error: unknown) => decide(failedPhaseAnswer(run, error)));
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
    if (!stream.endAfterHeaders && !stream.closed) stream.stopReceiving();
  }

  /** The first attempt (sticky sessions look up the backend the request is stuck to first). */
  protected startPicking(): void {
    this.attempt.start(this.head.fields.get('cookie'));
  }

  /** The response's headers gain what the route adds: response phases were applied by the caller; here the sticky cookie. */
  protected addStickyCookie(headers: string[]): void {
    if (this.service.sticky === null) return;
    const line = this.attempt.stickyField(this.owner.peer.proto === 'https');
    // an HTTP/1.1 field line "Set-Cookie: value\r\n"
    if (line !== '') headers.push('set-cookie', line.slice(line.indexOf(':') + 1).trim());
  }

  /** Count this stream once, when its outcome is known; 0 means no response was sent. */
  protected record(status: number): void {
    if (this.recorded) return;
    this.recorded = true;
    const durationMs = performance.now() - this.attempt.startedAt;
    recordRequest(
      this.owner.observers,
      this.route.stats,
      this.attempt.servedBy,
      this.head,
      this.clientIp,
      'HTTP/2',
      status,
      durationMs,
      this.bytesIn,
      this.bytesOut,
      this.owner,
      this.attempt,
    );
  }

  /** Answer with an error of our own, or reset the stream when a response has already begun. */
  protected fail(status: number, extra: string[] = []): void {
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
    if (!stream.closed) stream.reset(INTERNAL_ERROR);
  }

  /** The headers of a response for the client, with HSTS when the listener sets it. */
  protected withHsts(headers: string[]): string[] {
    if (this.owner.hsts !== '') headers.push('strict-transport-security', this.owner.hsts);
    return headers;
  }
}

/** A small plain-text answer of Fulcrum's own (404, 502, 503, ...). */
export function respondError(stream: ClientStream, status: number, extra: string[] = []): void {
  respondText(stream, status, `${status} ${STATUS_CODES[status] ?? 'Error'}\n`, extra);
}

/** A plain-text answer with `body`. */
export function respondText(stream: ClientStream, status: number, body: string, extra: string[] = []): void {
  if (stream.headersSent || stream.closed) return;
  const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body)), 'cache-control', 'no-store'];
  for (let i = 0; i < extra.length; i++) headers.push(extra[i]!);
  stream.respond(status, headers, false);
  stream.write(body);
  stream.end();
}
