import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ListenerHttp2Config } from '../../config/types.js';
import type { ConnectionInfo } from '../../net/connection-info.js';
import type { HttpListenerState } from '../listener-state.js';
import type { ClientSession, SessionHost } from './client-session.js';
import { NodeSession } from './node-session.js';
import { sniffPreface } from './preface.js';
import { WireSession } from './wire-session.js';

export type Http1Handler = (socket: net.Socket, info?: ConnectionInfo) => void;

/**
 * The HTTP/2 side of an http or https listener. Sockets reach it from the listener's own
 * accepting server: TLS connections whose ALPN chose h2, and plain ones that start with the
 * h2c preface. The connection is served by Fulcrum's own HTTP/2 layer (`codec: fulcrum`) or
 * by node:http2 (`codec: node`); each stream is validated, routed with the listener's router
 * and forwarded by an exchange, the same for both.
 */
export class H2Frontend implements SessionHost {
  private nodeServer: http2.Http2Server | null = null;
  readonly sessions = new Set<ClientSession>();
  /** the socket's info, handed from accept() to the 'session' event that follows synchronously */
  private accepting: ConnectionInfo | undefined;

  constructor(
    private readonly state: () => HttpListenerState,
    private settings: ListenerHttp2Config,
  ) {}

  get maxHeaderListSize(): number {
    return this.settings.maxHeaderListSize;
  }

  listenerState(): HttpListenerState {
    return this.state();
  }

  sessionClosed(session: ClientSession): void {
    this.sessions.delete(session);
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
    this.nodeServer?.updateSettings({ maxConcurrentStreams: settings.maxConcurrentStreams, maxHeaderListSize: settings.maxHeaderListSize });
  }

  /** GOAWAY to every session: streams in progress finish, no new ones start. */
  closeGracefully(): void {
    for (const session of this.sessions) session.close();
  }

  destroy(): void {
    for (const session of this.sessions) session.destroy();
  }

  private serve(socket: net.Socket, info: ConnectionInfo | undefined): void {
    if (this.settings.codec === 'fulcrum') {
      this.sessions.add(new WireSession(socket, this, info, this.settings));
      return;
    }
    this.accepting = info;
    this.node().emit('connection', socket);
    this.accepting = undefined;
  }

  /** node:http2's server, made on the first connection it serves. */
  private node(): http2.Http2Server {
    if (this.nodeServer !== null) return this.nodeServer;
    const settings = this.settings;
    const server = http2.createServer({
      settings: { maxConcurrentStreams: settings.maxConcurrentStreams, maxHeaderListSize: settings.maxHeaderListSize, enablePush: false },
      maxHeaderListPairs: this.state().config.limits.maxHeaders + 8,
    });
    server.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(new NodeSession(session, this, this.accepting, () => this.settings));
    });
    this.nodeServer = server;
    return server;
  }
}
