import http2 from 'node:http2';
import { STATUS_CODES } from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Outcome, PickContext } from '../../balancing/balancer.js';
import type { Backend } from '../../pool/backend.js';
import type { Service } from '../../pool/service.js';
import type { Observers } from '../../observe/observers.js';
import type { Peer } from '../forwarding.js';
import type { RequestHead } from '../h1/request-head.js';
import type { RouteTarget } from '../listener-state.js';
import { RequestKeySource } from '../request-values.js';

const NONE: readonly Backend[] = [];
const { NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** What a stream's exchange needs from its client connection (one HTTP/2 session). */
export interface StreamOwner {
  readonly peer: Peer;
  readonly socket: net.Socket;
  readonly observers: Observers;
  /** the Strict-Transport-Security value for responses; '' = none */
  readonly hsts: string;
  /** reset a stream on Fulcrum's initiative (not counted as a client reset) */
  reset(stream: http2.ServerHttp2Stream, code: number): void;
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

  constructor(
    protected readonly stream: http2.ServerHttp2Stream,
    protected readonly head: RequestHead,
    protected readonly route: RouteTarget,
    protected readonly clientIp: string,
    protected readonly owner: StreamOwner,
  ) {
    this.service = route.service;
  }

  /** The next backend (counted as in use), or undefined after answering 503/502. */
  protected pickBackend(): Backend | undefined {
    const service = this.service;
    const balancer = service.balancer;
    const ctx: PickContext = { clientIp: this.clientIp, key: '' };
    if (balancer.usesKey) ctx.key = service.hashKey(new RequestKeySource(this.head, this.clientIp));
    const backend = balancer.pick(ctx, this.tried ?? NONE);
    if (backend === undefined) {
      if (this.attempts === 0) {
        this.owner.observers.stats.service(service.name).noBackend++;
        this.fail(503, { 'retry-after': '1' });
      } else {
        this.fail(502);
      }
      return undefined;
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
  if (stream.headersSent || stream.closed) return;
  const body = `${status} ${STATUS_CODES[status] ?? 'Error'}\n`;
  stream.respond({
    ':status': status,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    ...extra,
  });
  stream.end(body);
}
