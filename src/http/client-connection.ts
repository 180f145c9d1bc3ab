import { unmapped } from '../net/proxy-protocol.js';
import type net from 'node:net';
import { deadlines, type HasDeadline } from '../net/deadlines.js';
import { errorResponse, redirectResponse } from './error-responses.js';
import { Exchange } from './exchange.js';
import type { ExchangeClient } from './exchange-client.js';
import { findHeadEnd, nextScanFrom } from './h1/head-boundary.js';
import { HttpParseError } from './h1/parse-error.js';
import { parseRequestHead } from './h1/request-head.js';
import { clientAddress, type Peer } from './forwarding.js';
import type { ConnectionInfo } from '../net/connection-info.js';
import type { HttpListenerState, RouteTarget } from './listener-state.js';
import type { Observers } from '../observe/observers.js';
import { h1Protocol, recordRefusal } from '../observe/request-record.js';
import type { RequestHead } from './h1/request-head.js';
import type { ConnectionMiddlewareState } from './middleware/connection-state.js';
import type { Answer } from './middleware/chain.js';
import { PendingVerdict } from './middleware/pending-verdict.js';
import { ChainRun, failedPhaseAnswer, localExchange, requestVerdict } from './middleware/run.js';
import { isPromise, type MaybePromise } from '../state/state-store.js';
import { ownBytes, readIntoSharedBuffer } from '../net/socket-reads.js';
import { SocketWriter } from '../net/socket-writes.js';

const enum State {
  /** waiting for (the rest of) a request head */
  Head,
  /** forwarding the request body */
  Body,
  /** the request is sent; bytes that arrive now are pipelined requests, kept for later */
  Waiting,
  /** a 101 was relayed: the socket belongs to a Tunnel (tunnel.ts), no more HTTP */
  Tunnel,
  Closed,
}

/** What the connection tells the exchange in progress: an Exchange to a backend, or an answer of a middleware's own. */
export interface ClientExchange {
  clientBody(chunk: Buffer, start: number): void;
  clientDrain(): void;
  clientAborted(): void;
  clientTimeout(): void;
}

/** A middleware's own answer (redirect, 403, 429, a static file); `close`: end the connection after it. */
export interface LocalExchange extends ClientExchange {
  start(close: boolean): void;
}

/**
 * One client connection: reads request heads strictly, refuses what is ambiguous,
 * and runs one Exchange at a time, so pipelined requests are answered in order.
 */
export class ClientConnection implements HasDeadline, ExchangeClient {
  readonly peer: Peer;
  deadline = 0;
  private state = State.Head;
  /** bytes received and not yet consumed */
  private pending: Buffer | null = null;
  /** where to resume looking for the end of the head in `pending` */
  private scanFrom = 0;
  private exchange: ClientExchange | null = null;
  /** per-connection state of middlewares (access verdicts, per-client connection counts); null until one needs it */
  middlewareState: ConnectionMiddlewareState | null = null;
  private ended = false;
  /** the listener is going away: close once the exchange in progress is done */
  /** the listener is stopping: this connection closes after its current response */
  private closeRequested = false;
  requests = 0;
  /** bytes received and written on this connection (the socket's own getters copy its write queue) */
  bytesIn = 0;
  bytesOut = 0;
  /** the counts when the current exchange began, to count its bytes */
  private readMark = 0;
  private writeMark = 0;
  private readonly writer: SocketWriter;

  constructor(
    readonly socket: net.Socket,
    private readonly listener: HttpListenerState,
    /** what the connection's TLS or a trusted PROXY header established (https, acceptProxyProtocol) */
    info?: ConnectionInfo,
  ) {
    const ip = info?.clientIp ?? unmapped(socket.remoteAddress ?? '');
    this.peer = { ip, trusted: listener.trusted.has(ip), proto: listener.proto, sni: info?.sni ?? '', certHeaders: info?.certHeaders ?? '' };
    socket.setNoDelay(true);
    this.writer = new SocketWriter(socket);
    // reads land in the shared buffer where the adapter can (bytes kept past a read are copied: ownBytes)
    if (!readIntoSharedBuffer(socket, this.onSharedRead)) socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('end', this.onEnd);
    socket.on('error', noop);
    socket.on('close', this.onClose);
    this.deadline = deadlines.at(listener.config.timeouts.header);
    deadlines.add(this);
    listener.stats.active++;
    listener.stats.accepted++;
  }

  get exchangeBytesIn(): number {
    return this.bytesIn - this.readMark;
  }

  get exchangeBytesOut(): number {
    return this.bytesOut - this.writeMark;
  }

  get observers(): Observers {
    return this.listener.observers;
  }

  /** the response in progress is the last: it says `Connection: close` */
  get closing(): boolean {
    return this.closeRequested;
  }

  get closed(): boolean {
    return this.state === State.Closed;
  }

  write(data: string | Buffer): boolean {
    this.bytesOut += data.length; // latin1: one byte per char
    return this.writer.write(data);
  }

  /** bytes written and not yet taken by the kernel */
  get queuedBytes(): number {
    return this.writer.queued;
  }

  /** Answer with a canned error. Refusals close the connection: the framing can't be trusted. */
  refuse(status: number, close: boolean, extraHeaders = ''): void {
    if (this.state === State.Closed) return;
    const last = close || this.closeRequested;
    this.write(errorResponse(status, last, extraHeaders));
    if (last) this.closeAfterWrite();
  }

  /** End the connection once what was written is flushed. */
  closeAfterWrite(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.pending = null;
    this.socket.end();
    this.deadline = deadlines.at(5000); // a peer that never reads its last response
  }

  destroy(): void {
    this.state = State.Closed;
    this.socket.destroy();
  }

  /** Close now if idle between requests, else after the response in progress. */
  closeWhenIdle(): void {
    this.closeRequested = true;
    if (this.state === State.Head && this.exchange === null && this.pending === null) this.destroy();
  }

  onDeadline(): void {
    switch (this.state) {
      case State.Head:
        // a partial head is slowloris (408); an idle keep-alive connection just closes
        if (this.pending !== null) this.refuseHead(new HttpParseError(408, 'request head timeout'));
        else this.destroy();
        break;
      case State.Body:
        this.exchange?.clientTimeout();
        break;
      case State.Waiting:
      case State.Tunnel:
        break; // the exchange's upstream deadlines (or the tunnel's idle timeout) apply
      case State.Closed:
        this.destroy();
        break;
    }
  }

  // --- called by the Exchange ---

  /** The request body is complete; bytes after it belong to the next request. */
  bodyDone(rest: Buffer | null): void {
    if (this.state !== State.Body) return;
    this.state = State.Waiting;
    this.deadline = 0;
    if (rest !== null && rest.length > 0) this.keep(rest);
  }

  /** Called while reading the body, to push the client idle deadline. */
  bodyProgress(): void {
    this.deadline = deadlines.at(this.listener.config.timeouts.clientIdle);
  }

  /** The exchange finished and the response was fully written. */
  exchangeDone(keepAlive: boolean): void {
    this.exchange = null;
    this.readMark = this.bytesIn;
    this.writeMark = this.bytesOut;
    if (this.state === State.Closed) return;
    if (!keepAlive || this.ended || this.closeRequested || this.state === State.Body) {
      this.closeAfterWrite();
      return;
    }
    this.state = State.Head;
    this.socket.resume();
    if (this.pending !== null) {
      this.deadline = deadlines.at(this.listener.config.timeouts.header);
      this.parseHead();
    } else {
      this.deadline = deadlines.at(this.listener.config.timeouts.keepAlive);
    }
  }

  /**
   * The backend switched protocols (101): HTTP parsing stops for good and the socket's bytes go
   * to a tunnel. Returns what was received after the request head (an early first frame).
   * The close handler stays, so the listener's bookkeeping is unchanged.
   */
  detachForTunnel(): Buffer | null {
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('drain', this.onDrain);
    socket.off('end', this.onEnd);
    this.state = State.Tunnel;
    this.exchange = null;
    this.deadline = 0;
    const rest = this.pending;
    this.pending = null;
    socket.resume();
    return rest;
  }

  // --- socket events ---

  private readonly onData = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    switch (this.state) {
      case State.Head:
        if (this.pending === null) {
          this.pending = chunk;
          this.deadline = deadlines.at(this.listener.config.timeouts.header);
        } else {
          this.pending = Buffer.concat([this.pending, chunk]);
        }
        this.parseHead();
        break;
      case State.Body:
        this.exchange!.clientBody(ownBytes(chunk), 0);
        break;
      case State.Waiting:
        this.keep(chunk);
        break;
      case State.Closed:
        break;
    }
  };

  private readonly onSharedRead = (length: number, buffer: Buffer): void => {
    // a tunnel reads the socket with 'data' (tunnel.ts): give it bytes of its own
    if (this.state === State.Tunnel) this.socket.emit('data', Buffer.from(buffer.subarray(0, length)));
    else this.onData(buffer.subarray(0, length));
  };

  private readonly onDrain = (): void => {
    this.exchange?.clientDrain();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.exchange === null) this.destroy();
    else if (this.state === State.Body) this.exchange.clientAborted();
  };

  private readonly onClose = (): void => {
    this.state = State.Closed;
    deadlines.delete(this);
    this.pending = null;
    const exchange = this.exchange;
    this.exchange = null;
    exchange?.clientAborted();
    this.listener.connections.delete(this);
    this.listener.stats.active--;
    if (this.middlewareState !== null) this.middlewareState.release();
  };

  /** Keep pipelined bytes for later; stop reading if too much piles up. */
  private keep(chunk: Buffer): void {
    this.pending = this.pending === null ? ownBytes(chunk) : Buffer.concat([this.pending, chunk]);
    if (this.pending.length > this.listener.config.limits.maxHeaderBytes) this.socket.pause();
  }

  private parseHead(): void {
    const limits = this.listener.config.limits;
    let buf = this.pending!;
    // RFC 9112 2.2: ignore empty lines before a request line
    let start = 0;
    while (start + 1 < buf.length && buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
    if (start > 0) {
      buf = buf.subarray(start);
      this.pending = buf.length > 0 ? buf : null;
      this.scanFrom = 0;
      if (this.pending === null) return;
    }
    let end: number;
    let head;
    try {
      end = findHeadEnd(buf, this.scanFrom, limits);
      if (end === -1) {
        this.pending = ownBytes(buf); // the rest of the head comes in a later read
        this.scanFrom = nextScanFrom(buf);
        return;
      }
      this.scanFrom = 0;
      head = parseRequestHead(buf.toString('latin1', 0, end), end, limits);
    } catch (error) {
      if (error instanceof HttpParseError) this.refuseHead(error);
      else throw error;
      return;
    }
    const clientIp = this.peer.trusted ? clientAddress(head, this.peer, this.listener.trusted) : this.peer.ip;
    const route = this.listener.router.match(head, clientIp);
    // the route's limit (its own or the listener's); the listener's when no route matches
    const maxBodyBytes = route === undefined ? limits.maxBodyBytes : route.target.settings.maxBodyBytes;
    if (maxBodyBytes > 0 && head.contentLength > maxBodyBytes) {
      this.refuseHead(new HttpParseError(413, 'request body too large'));
      return;
    }
    const rest = end + 4 < buf.length ? ownBytes(buf.subarray(end + 4)) : null;
    this.pending = null;
    this.requests++;
    if (this.peer.sni !== '' && head.host !== this.peer.sni) {
      this.answerWithoutRoute(head, rest, clientIp, 421, '', 'host does not match the TLS server name');
      return;
    }
    const redirectPort = this.listener.redirectToHttpsPort;
    if (redirectPort !== 0) {
      // HTTP/1.0 without Host: no name to redirect to (the listener has none configured)
      if (head.host === '') return this.refuseHead(new HttpParseError(400, 'no Host to redirect to https'));
      this.answerWithoutRoute(head, rest, clientIp, 301, httpsLocation(head, redirectPort), 'redirect to https');
      return;
    }
    if (route === undefined) {
      this.answerWithoutRoute(head, rest, clientIp, 404, '', 'no route');
      return;
    }
    this.deadline = 0;
    const target = route.target;
    const chain = target.middlewares;
    if (chain === null) {
      this.forward(head, target, clientIp, maxBodyBytes, null, rest);
      return;
    }
    const run = new ChainRun(chain, this, head, clientIp);
    let verdict: MaybePromise<Answer | null>;
    try {
      verdict = requestVerdict(run);
    } catch (error) {
      verdict = failedPhaseAnswer(run, error);
    }
    if (verdict !== null && isPromise(verdict)) this.awaitVerdict(run, verdict, target, maxBodyBytes, rest);
    else this.afterPhases(run, verdict, target, maxBodyBytes, rest);
  }

  /** The request phases decided: the chain answers by itself, or the request is forwarded. */
  private afterPhases(run: ChainRun, answer: Answer | null, target: RouteTarget, maxBodyBytes: number, rest: Buffer | null): void {
    const local = localExchange(run, answer);
    if (local !== null) this.answerLocally(run.head, rest, local);
    else this.forward(run.head, target, run.clientIp, maxBodyBytes, run, rest);
  }

  private forward(head: RequestHead, target: RouteTarget, clientIp: string, maxBodyBytes: number, run: ChainRun | null, rest: Buffer | null): void {
    const exchange = new Exchange(this, head, target, clientIp, maxBodyBytes);
    if (run !== null) exchange.middleware = run;
    this.exchange = exchange;
    if (head.hasBody) {
      this.state = State.Body;
      // the body waits in `rest` until the upstream connection is ready to take it
      exchange.setBufferedBody(rest);
      this.socket.pause();
    } else {
      this.state = State.Waiting;
      if (rest !== null) this.keep(rest);
    }
    exchange.start();
  }

  /** A request phase answered with a promise: the request holds the exchange slot, reading paused, until it settles. */
  private awaitVerdict(run: ChainRun, verdict: Promise<Answer | null>, target: RouteTarget, maxBodyBytes: number, rest: Buffer | null): void {
    const hasBody = run.head.hasBody;
    const pending = new PendingVerdict(this, run, target, maxBodyBytes, hasBody ? rest : null);
    this.exchange = pending;
    this.socket.pause();
    if (hasBody) this.state = State.Body;
    else {
      this.state = State.Waiting;
      if (rest !== null) this.keep(rest);
    }
    pending.wait(verdict);
  }

  /** The phases of a waiting request decided (or failed, or ran out of time): go on as if they had answered at once. */
  verdictReady(pending: PendingVerdict, answer: Answer | null): void {
    if (this.exchange !== pending || this.state === State.Closed) return;
    this.exchange = null;
    const hasBody = pending.run.head.hasBody;
    if (!hasBody && (this.pending === null || this.pending.length <= this.listener.config.limits.maxHeaderBytes)) this.socket.resume();
    this.afterPhases(pending.run, answer, pending.target, pending.maxBodyBytes, hasBody ? pending.body : null);
  }

  /**
   * A middleware answers by itself: it takes the exchange slot until it calls exchangeDone, so
   * pipelined requests stay in order. A request body is not read; the connection closes after.
   */
  answerLocally(head: RequestHead, rest: Buffer | null, local: LocalExchange): void {
    this.deadline = 0;
    this.exchange = local;
    if (head.hasBody) this.state = State.Body;
    else {
      this.state = State.Waiting;
      if (rest !== null) this.keep(rest);
    }
    local.start(head.hasBody || !head.keepAlive || this.closeRequested);
  }

  /** Answer without forwarding (421, the https redirect): like a 404, the connection survives a bodiless request. */
  private answerWithoutRoute(head: RequestHead, rest: Buffer | null, clientIp: string, status: number, extraHeaders: string, reason: string): void {
    this.state = head.hasBody ? State.Body : State.Waiting;
    if (rest !== null) this.pending = rest;
    const close = head.hasBody || !head.keepAlive;
    if (status === 301) {
      this.write(redirectResponse(extraHeaders, close));
      if (close) this.closeAfterWrite();
    } else {
      this.refuse(status, close, extraHeaders);
    }
    recordRefusal(this.listener.observers, this.listener.stats, this, head, clientIp, h1Protocol(head.version), status, reason, this.exchangeBytesIn, this.exchangeBytesOut);
    if (!close) this.exchangeDone(true);
  }

  /** The listener's Strict-Transport-Security field line ('' = none). */
  get hsts(): string {
    return this.listener.hsts;
  }

  private refuseHead(error: HttpParseError): void {
    this.listener.onRefusal?.(error, this.peer.ip);
    this.refuse(error.status, true);
    recordRefusal(this.listener.observers, this.listener.stats, this, null, this.peer.ip, 'HTTP/1.1', error.status, error.reason, this.exchangeBytesIn, this.exchangeBytesOut);
  }
}

/** The Location field of a redirect to the same host and target over https. */
function httpsLocation(head: RequestHead, port: number): string {
  const host = head.host.includes(':') && !head.host.startsWith('[') ? `[${head.host}]` : head.host;
  return 'Location: https://' + host + (port === 443 ? '' : ':' + port) + head.target + '\r\n';
}

function noop(): void {}
