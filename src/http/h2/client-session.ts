// One client's HTTP/2 connection as the request path sees it, whichever codec serves it: its peer,
// and what happens to each new stream (validated, routed, answered by Fulcrum or given to an exchange).
import type net from 'node:net';
import { unmapped } from '../../net/proxy-protocol.js';
import type { ConnectionInfo } from '../../net/connection-info.js';
import type { Observers } from '../../observe/observers.js';
import { recordRefusal } from '../../observe/request-record.js';
import type { RequestHead } from '../h1/request-head.js';
import { clientAddress, type Peer } from '../forwarding.js';
import type { HttpListenerState } from '../listener-state.js';
import type { ConnectionMiddlewareState } from '../middleware/connection-state.js';
import type { ClientStream } from './client-stream.js';
import { declaredContentLength, H2RequestError, requestHeadFromH2 } from './request.js';
import { respondError, type StreamOwner } from './stream-exchange.js';
import { H2ToH1Exchange } from './to-h1.js';
import { H2ToH2Exchange } from './to-h2.js';

const PROTOCOL_ERROR = 1;

/** What a session needs from its frontend. */
export interface SessionHost {
  listenerState(): HttpListenerState;
  readonly maxHeaderListSize: number;
  sessionClosed(session: ClientSession): void;
}

export abstract class ClientSession implements StreamOwner {
  readonly peer: Peer;
  readonly hsts: string;
  /** per-connection state of middlewares (access verdicts, per-client connection counts) */
  middlewareState: ConnectionMiddlewareState | null = null;

  constructor(
    readonly socket: net.Socket,
    protected readonly host: SessionHost,
    info: ConnectionInfo | undefined,
  ) {
    const state = host.listenerState();
    const ip = info?.clientIp ?? unmapped(socket.remoteAddress ?? '');
    this.peer = { ip, trusted: state.trusted.has(ip), proto: state.proto, sni: info?.sni ?? '', certHeaders: info?.certHeaders ?? '' };
    this.hsts = hstsValue(state.hsts);
    state.stats.active++;
    state.stats.accepted++;
  }

  get observers(): Observers {
    return this.host.listenerState().observers;
  }

  /** GOAWAY: streams in progress finish, no new ones. */
  abstract close(): void;
  abstract destroy(): void;

  /** The socket closed: the session's counts and middleware state go. */
  protected closed(): void {
    this.host.sessionClosed(this);
    if (this.middlewareState !== null) this.middlewareState.release();
    this.host.listenerState().stats.active--;
  }

  /** A new stream with its header block (flat, pseudo-headers included; null: over maxHeaderListSize). */
  protected request(stream: ClientStream, raw: string[] | null): void {
    const state = this.host.listenerState();
    let head;
    try {
      if (raw === null) throw new H2RequestError(431, 'header list too large');
      head = requestHeadFromH2(raw, state.config.limits, this.host.maxHeaderListSize);
    } catch (error) {
      if (!(error instanceof H2RequestError)) throw error;
      if (error.status === 0) stream.reset(PROTOCOL_ERROR);
      else respondError(stream, error.status);
      recordRefusal(state.observers, state.stats, this, null, this.peer.ip, 'HTTP/2', error.status, error.message, 0, 0);
      return;
    }
    if (!stream.endAfterHeaders) stream.expectContentLength(declaredContentLength(head));
    const peer = this.peer;
    const clientIp = peer.trusted ? clientAddress(head, peer, state.trusted) : peer.ip;
    if (peer.sni !== '' && head.host !== peer.sni) return this.answerWithoutRoute(stream, head, clientIp, 421, 'host does not match the TLS server name');
    if (state.redirectToHttpsPort !== 0) {
      if (head.host === '') return respondError(stream, 400); // no :authority nor host to redirect to
      const host = head.host.includes(':') && !head.host.startsWith('[') ? `[${head.host}]` : head.host;
      const port = state.redirectToHttpsPort;
      return this.answerWithoutRoute(stream, head, clientIp, 301, 'redirect to https', ['location', 'https://' + host + (port === 443 ? '' : ':' + port) + head.target]);
    }
    const route = state.router.match(head, clientIp);
    if (route === undefined) return this.answerWithoutRoute(stream, head, clientIp, 404, 'no route');
    if (route.target.service.config.protocol === 'h2') new H2ToH2Exchange(stream, head, route.target, clientIp, this).begin();
    else new H2ToH1Exchange(stream, head, route.target, clientIp, this).begin(route.target.settings.maxBodyBytes);
  }

  /** Fulcrum's own answer before any route (421, the https redirect, 404), in the access log. */
  private answerWithoutRoute(stream: ClientStream, head: RequestHead, clientIp: string, status: number, reason: string, extra?: string[]): void {
    respondError(stream, status, extra);
    const state = this.host.listenerState();
    recordRefusal(state.observers, state.stats, this, head, clientIp, 'HTTP/2', status, reason, 0, 0);
  }
}

/** The value of the listener's Strict-Transport-Security field line ('' = none). */
function hstsValue(fieldLine: string): string {
  if (fieldLine === '') return '';
  return fieldLine.slice(fieldLine.indexOf(':') + 1).trim();
}
