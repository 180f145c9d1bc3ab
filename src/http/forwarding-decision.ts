// What a request's fields become on the way to a backend, decided once for every protocol:
// which incoming forwarding fields are believed (a trusted proxy's only), the values Fulcrum sets
// (X-Forwarded-For/Proto/Host, X-Real-IP, Forwarded, X-Request-ID, Via) and which fields are never
// relayed. The HTTP/1.1 head (forwarding.ts) and the HTTP/2 header block (h2/upstream-headers.ts)
// only spell the decision out.
import { randomUUID } from 'node:crypto';
import type { CidrSet } from '../net/cidr.js';
import type { RequestHead } from './h1/request-head.js';

/** Who is asking, as established once per connection (and per request behind a trusted proxy). */
export interface Peer {
  /** the address of the socket's other end */
  ip: string;
  /** the peer is a configured trusted proxy: its forwarding headers are believed */
  trusted: boolean;
  proto: 'http' | 'https';
  /** the TLS server name the client asked for; '' without TLS or SNI (no Host check then) */
  sni: string;
  /** X-Client-Cert-* fields of a verified client certificate, ready to append; '' without mTLS */
  certHeaders: string;
}

/**
 * The real client address: the peer itself, or behind a trusted proxy the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy. Every X-Forwarded-For line counts,
 * as one list (RFC 9110 5.3): a proxy that adds its own line after the client's must not leave
 * the client's spoofed one as the answer.
 */
export function clientAddress(head: RequestHead, peer: Peer, trusted: CidrSet): string {
  if (!peer.trusted) return peer.ip;
  const { lower, values } = head.fields;
  let leftmost = '';
  for (let f = lower.length - 1; f >= 0; f--) {
    if (lower[f] !== 'x-forwarded-for') continue;
    const hops = values[f]!.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (hop.length === 0) continue;
      if (!trusted.has(hop)) return hop;
      leftmost = hop;
    }
  }
  // every hop is a trusted proxy: the first of them is the nearest thing to a client
  return leftmost || peer.ip;
}

/** What a serialiser does with one field of the request. */
export const enum Fate {
  /** sent as received */
  Relay = 0,
  /** never sent: hop-by-hop, named in Connection, or replaced by a value Fulcrum sets */
  Drop,
  /** HTTP/1.1 sends the request's authority in its place; HTTP/2 sends `:authority` instead */
  Host,
  /** HTTP/1.1 re-emits the framing it actually sends; HTTP/2 relays it (nghttp2 checks it against DATA) */
  ContentLength,
  /** `TE: trailers`: hop-by-hop in HTTP/1.1, the one TE HTTP/2 allows (gRPC servers expect it) */
  TeTrailers,
}

const enum Kind {
  /** RFC 9110 7.6.1 and RFC 9113 8.2.2: scoped to one connection, never relayed either way */
  ConnectionSpecific = 0,
  Te,
  ContentLength,
  Host,
  XForwardedFor,
  XForwardedProto,
  XForwardedHost,
  XRealIp,
  Forwarded,
  RequestId,
  Via,
  /** set from a verified client certificate (mTLS, Peer.certHeaders); a client's own copy is never relayed */
  ClientCert,
}

const KINDS = new Map<string, Kind>([
  ['connection', Kind.ConnectionSpecific],
  ['keep-alive', Kind.ConnectionSpecific],
  ['proxy-connection', Kind.ConnectionSpecific],
  ['upgrade', Kind.ConnectionSpecific],
  ['transfer-encoding', Kind.ConnectionSpecific],
  ['http2-settings', Kind.ConnectionSpecific],
  ['te', Kind.Te],
  ['content-length', Kind.ContentLength],
  ['host', Kind.Host],
  ['x-forwarded-for', Kind.XForwardedFor],
  ['x-forwarded-proto', Kind.XForwardedProto],
  ['x-forwarded-host', Kind.XForwardedHost],
  ['x-real-ip', Kind.XRealIp],
  ['forwarded', Kind.Forwarded],
  ['x-request-id', Kind.RequestId],
  ['via', Kind.Via],
  ['x-client-cert-subject', Kind.ClientCert],
  ['x-client-cert-fingerprint', Kind.ClientCert],
]);

/** A response field that is connection-scoped or framing (re-emitted by the HTTP/1.1 writer): never relayed as received. */
export function isHopByHop(lowerName: string, connectionTokens: readonly string[] | null): boolean {
  const kind = KINDS.get(lowerName);
  if (kind === Kind.ConnectionSpecific || kind === Kind.Te || kind === Kind.ContentLength) return true;
  return connectionTokens !== null && connectionTokens.includes(lowerName);
}

/** A field HTTP/2 forbids (RFC 9113 8.2.2), whatever the direction. */
export function isConnectionSpecific(lowerName: string): boolean {
  const kind = KINDS.get(lowerName);
  return kind === Kind.ConnectionSpecific || kind === Kind.Te;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * The forwarding fields of one request. A serialiser calls `begin`, then `field` for every
 * request field in order (sending what it answers Relay), then `finish`, and writes the public
 * values. One instance per serialiser is reused: serialising is synchronous, so nothing is
 * allocated per request beyond the strings themselves.
 */
export class ForwardingDecision {
  xForwardedFor = '';
  xForwardedProto = '';
  /** '' when the request has no authority: then not sent */
  xForwardedHost = '';
  xRealIp = '';
  forwarded = '';
  requestId = '';
  via = '';

  private trusted = false;
  /** what a trusted proxy sent (undefined: nothing), and the client's first valid id and Via */
  private inFor: string | undefined;
  private inProto: string | undefined;
  private inHost: string | undefined;
  private inForwarded: string | undefined;
  private inRequestId: string | undefined;
  private inVia: string | undefined;

  begin(peer: Peer): void {
    this.trusted = peer.trusted;
    this.inFor = this.inProto = this.inHost = this.inForwarded = this.inRequestId = this.inVia = undefined;
  }

  field(lowerName: string, value: string, connectionTokens: readonly string[] | null): Fate {
    const kind = KINDS.get(lowerName);
    if (kind === undefined) return connectionTokens !== null && connectionTokens.includes(lowerName) ? Fate.Drop : Fate.Relay;
    switch (kind) {
      case Kind.Host:
        return Fate.Host;
      case Kind.ContentLength:
        return Fate.ContentLength;
      case Kind.Te:
        return value.toLowerCase() === 'trailers' ? Fate.TeTrailers : Fate.Drop;
      case Kind.XForwardedFor:
        if (this.trusted) this.inFor = this.inFor === undefined ? value : this.inFor + ', ' + value;
        return Fate.Drop;
      case Kind.Forwarded:
        if (this.trusted) this.inForwarded = this.inForwarded === undefined ? value : this.inForwarded + ', ' + value;
        return Fate.Drop;
      case Kind.XForwardedProto:
        if (this.trusted) this.inProto = value;
        return Fate.Drop;
      case Kind.XForwardedHost:
        if (this.trusted) this.inHost = value;
        return Fate.Drop;
      case Kind.RequestId:
        if (this.inRequestId === undefined && REQUEST_ID.test(value)) this.inRequestId = value;
        return Fate.Drop;
      case Kind.Via:
        this.inVia = this.inVia === undefined ? value : this.inVia + ', ' + value;
        return Fate.Drop;
      default:
        return Fate.Drop; // connection-specific, X-Real-IP (always the client's address), client certificate
    }
  }

  /** The values Fulcrum sets; the request id is also kept on the head (access log). */
  finish(head: RequestHead, peer: Peer, clientIp: string): void {
    const authority = head.authority;
    this.xForwardedFor = this.inFor === undefined ? peer.ip : this.inFor + ', ' + peer.ip;
    this.xForwardedProto = this.inProto ?? peer.proto;
    this.xForwardedHost = authority === '' ? '' : (this.inHost ?? authority);
    this.xRealIp = clientIp;
    const element = 'for=' + forwardedNode(peer.ip) + ';proto=' + peer.proto + (authority === '' ? '' : ';host="' + authority + '"');
    this.forwarded = this.inForwarded === undefined ? element : this.inForwarded + ', ' + element;
    this.requestId = head.requestId = this.inRequestId ?? randomUUID();
    // the protocol Fulcrum received the request with (RFC 9110 7.6.3), whatever it sends
    const received = head.version === 11 ? '1.1 fulcrum' : head.version === 20 ? '2 fulcrum' : '1.0 fulcrum';
    this.via = this.inVia === undefined ? received : this.inVia + ', ' + received;
  }
}

/** RFC 7239 6: an IPv6 address is bracketed, and then quoted (':' is not a token character). */
function forwardedNode(ip: string): string {
  return ip.includes(':') ? '"[' + ip + ']"' : ip;
}
