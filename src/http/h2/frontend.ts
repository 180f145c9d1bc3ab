import { unmapped } from '../../net/proxy-protocol.js';
import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ListenerHttp2Config } from '../../config/types.js';
import type { Observers } from '../../observe/observers.js';
import { recordRefusal } from '../../observe/request-record.js';
import type { RequestHead } from '../h1/request-head.js';
import { clientAddress, type Peer } from '../forwarding.js';
import type { ConnectionInfo } from '../../net/connection-info.js';
import type { HttpListenerState } from '../listener-state.js';
import type { ConnectionMiddlewareState } from '../middleware/connection-state.js';
import { sniffPreface } from './preface.js';
import { H2RequestError, requestHeadFromH2 } from './request.js';
import { respondError, type StreamOwner } from './stream-exchange.js';
import { H2ToH1Exchange } from './to-h1.js';
import { H2ToH2Exchange } from './to-h2.js';

const { NGHTTP2_PROTOCOL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = http2.constants;

export type Http1Handler = (socket: net.Socket, info?: ConnectionInfo) => void;

/**
 * The HTTP/2 side of an http or https listener. Sockets reach it from the listener's own
 * accepting server: TLS connections whose ALPN chose h2, and plain ones that start with the
 * h2c preface. node:http2 does the framing, HPACK and flow control; each stream is validated,
 * routed with the listener's router and forwarded by an exchange.
 */
export class H2Frontend {
  private readonly server: http2.Http2Server;
  readonly sessions = new Set<ClientSession>();
  /** the socket's info, handed from accept() to the 'session' event that follows synchronously */
  private accepting: ConnectionInfo | undefined;

  constructor(
    private readonly state: () => HttpListenerState,
    private settings: ListenerHttp2Config,
  ) {
    this.server = http2.createServer({
      settings: { maxConcurrentStreams: settings.maxConcurrentStreams, maxHeaderListSize: settings.maxHeaderListSize, enablePush: false },
      maxHeaderListPairs: state().config.limits.maxHeaders + 8,
    });
    this.server.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(new ClientSession(session, this, this.accepting));
    });
  }

  get limits(): ListenerHttp2Config {
    return this.settings;
  }

  listenerState(): HttpListenerState {
    return this.state();
  }

  /** A new connection: HTTP/2 when TLS chose h2 or a plain one starts with the preface, else `http1`. */
  accept(socket: net.Socket, info: ConnectionInfo | undefined, http1: Http1Handler): void {
    const alpn = (socket as tls.TLSSocket).alpnProtocol;
    if (alpn !== undefined) {
      if (alpn === 'h2') this.serve(socket, info);
      else http1(socket, info);
      return;
    }
    sniffPreface(socket, this.state().config.timeouts.header, (h2) => {
      if (h2) this.serve(socket, info);
      else {
        http1(socket, info);
        socket.resume();
      }
    });
  }

  /** New settings from a reload: for connections opened from now on. */
  update(settings: ListenerHttp2Config): void {
    this.settings = settings;
    this.server.updateSettings({ maxConcurrentStreams: settings.maxConcurrentStreams, maxHeaderListSize: settings.maxHeaderListSize });
  }

  /** GOAWAY to every session: streams in progress finish, no new ones start. */
  closeGracefully(): void {
    for (const session of this.sessions) session.close();
  }

  destroy(): void {
    for (const session of this.sessions) session.destroy();
  }

  private serve(socket: net.Socket, info: ConnectionInfo | undefined): void {
    this.accepting = info;
    this.server.emit('connection', socket);
    this.accepting = undefined;
  }
}

/** One client's HTTP/2 connection: its peer, its streams, and the rapid-reset guard. */
class ClientSession implements StreamOwner {
  readonly peer: Peer;
  readonly socket: net.Socket;
  readonly hsts: string;
  /** per-connection state of middlewares (access verdicts, per-client connection counts) */
  middlewareState: ConnectionMiddlewareState | null = null;
  private resets = 0;
  private windowStart = 0;
  private readonly resetByUs = new WeakSet<http2.ServerHttp2Stream>();

  constructor(
    private readonly session: http2.ServerHttp2Session,
    private readonly frontend: H2Frontend,
    info: ConnectionInfo | undefined,
  ) {
    const state = frontend.listenerState();
    this.socket = session.socket as net.Socket;
    const ip = info?.clientIp ?? unmapped(this.socket.remoteAddress ?? '');
    this.peer = { ip, trusted: state.trusted.has(ip), proto: state.proto, sni: info?.sni ?? '', certHeaders: info?.certHeaders ?? '' };
    this.hsts = hstsValue(state.hsts);
    state.stats.active++;
    state.stats.accepted++;
    session.setTimeout(state.config.timeouts.keepAlive, () => session.close());
    session.on('stream', this.onStream);
    session.on('error', noop);
    session.once('close', () => {
      frontend.sessions.delete(this);
      if (this.middlewareState !== null) this.middlewareState.release();
      frontend.listenerState().stats.active--;
    });
  }

  get observers(): Observers {
    return this.frontend.listenerState().observers;
  }

  close(): void {
    if (!this.session.closed) this.session.close();
  }

  destroy(): void {
    this.session.destroy();
  }

  reset(stream: http2.ServerHttp2Stream, code: number): void {
    this.resetByUs.add(stream);
    stream.close(code);
  }

  private readonly onStream = (stream: http2.ServerHttp2Stream, _headers: http2.IncomingHttpHeaders, _flags: number, raw: string[]): void => {
    stream.on('error', noop);
    stream.once('close', () => this.streamClosed(stream));
    const state = this.frontend.listenerState();
    let head;
    try {
      head = requestHeadFromH2(raw, state.config.limits, this.frontend.limits.maxHeaderListSize);
    } catch (error) {
      if (!(error instanceof H2RequestError)) throw error;
      if (error.status === 0) this.reset(stream, NGHTTP2_PROTOCOL_ERROR);
      else respondError(stream, error.status);
      recordRefusal(state.observers, state.stats, this, null, this.peer.ip, 'HTTP/2', error.status, error.message, 0, 0);
      return;
    }
    const peer = this.peer;
    const clientIp = peer.trusted ? clientAddress(head, peer, state.trusted) : peer.ip;
    if (peer.sni !== '' && head.host !== peer.sni) return this.answerWithoutRoute(stream, head, clientIp, 421, 'host does not match the TLS server name');
    if (state.redirectToHttpsPort !== 0) {
      if (head.host === '') return respondError(stream, 400); // no :authority nor host to redirect to
      const host = head.host.includes(':') && !head.host.startsWith('[') ? `[${head.host}]` : head.host;
      const port = state.redirectToHttpsPort;
      return this.answerWithoutRoute(stream, head, clientIp, 301, 'redirect to https', { location: 'https://' + host + (port === 443 ? '' : ':' + port) + head.target });
    }
    const route = state.router.match(head, clientIp);
    if (route === undefined) return this.answerWithoutRoute(stream, head, clientIp, 404, 'no route');
    if (route.target.service.config.protocol === 'h2') new H2ToH2Exchange(stream, head, route.target, clientIp, this).begin();
    else new H2ToH1Exchange(stream, head, route.target, clientIp, this).begin(route.target.settings.maxBodyBytes);
  };

  /** Fulcrum's own answer before any route (421, the https redirect, 404), in the access log. */
  private answerWithoutRoute(stream: http2.ServerHttp2Stream, head: RequestHead, clientIp: string, status: number, reason: string, extra?: http2.OutgoingHttpHeaders): void {
    respondError(stream, status, extra);
    const state = this.frontend.listenerState();
    recordRefusal(state.observers, state.stats, this, head, clientIp, 'HTTP/2', status, reason, 0, 0);
  }

  /** Counts resets sent by the client; too many in the window is the rapid-reset attack (CVE-2023-44487). */
  private streamClosed(stream: http2.ServerHttp2Stream): void {
    const code = stream.rstCode;
    if (code === undefined || code === NGHTTP2_NO_ERROR || this.resetByUs.has(stream)) return;
    const limits = this.frontend.limits;
    const now = Date.now();
    if (now - this.windowStart > limits.resetWindow) {
      this.windowStart = now;
      this.resets = 0;
    }
    if (++this.resets > limits.maxResetsPerWindow && !this.session.closed) {
      this.session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
      this.session.close();
      // a client that keeps resetting ignores the GOAWAY: the socket closes soon after
      setTimeout(() => this.session.destroy(), 1000).unref();
    }
  }
}

/** The value of the listener's Strict-Transport-Security field line ('' = none). */
function hstsValue(fieldLine: string): string {
  if (fieldLine === '') return '';
  return fieldLine.slice(fieldLine.indexOf(':') + 1).trim();
}

function noop(): void {}
