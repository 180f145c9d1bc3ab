import { randomUUID } from 'node:crypto';
import type { CidrSet } from '../net/cidr.js';
import type { RequestHead } from './h1/request-head.js';

const enum Kind {
  Relay = 0,
  /** connection-scoped: never relayed (RFC 9110 7.6.1) */
  HopByHop,
  /** set by Fulcrum from the real peer; the client's copy is kept only from a trusted proxy */
  Forwarding,
  /** re-emitted by Fulcrum to match the framing it actually sends */
  Framing,
  RequestId,
  Via,
  /** set by Fulcrum from a verified client certificate (mTLS); a client's own copy is never relayed */
  ClientCert,
}

const KINDS = new Map<string, Kind>([
  ['connection', Kind.HopByHop],
  ['keep-alive', Kind.HopByHop],
  ['proxy-connection', Kind.HopByHop],
  ['te', Kind.HopByHop],
  ['upgrade', Kind.HopByHop],
  ['transfer-encoding', Kind.Framing],
  ['content-length', Kind.Framing],
  ['x-forwarded-for', Kind.Forwarding],
  ['x-forwarded-proto', Kind.Forwarding],
  ['x-forwarded-host', Kind.Forwarding],
  ['x-real-ip', Kind.Forwarding],
  ['forwarded', Kind.Forwarding],
  ['x-request-id', Kind.RequestId],
  ['via', Kind.Via],
  ['x-client-cert-subject', Kind.ClientCert],
  ['x-client-cert-fingerprint', Kind.ClientCert],
]);

/** Response fields that are connection-scoped and never relayed to the client. */
export function isHopByHop(lowerName: string, connectionTokens: readonly string[] | null): boolean {
  const kind = KINDS.get(lowerName);
  if (kind === Kind.HopByHop || kind === Kind.Framing) return true;
  return connectionTokens !== null && connectionTokens.includes(lowerName);
}

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

const REQUEST_ID = /^[A-Za-z0-9._:\-]{1,200}$/;

/**
 * The real client address: the peer itself, or behind a trusted proxy the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy.
 */
export function clientAddress(head: RequestHead, peer: Peer, trusted: CidrSet): string {
  if (!peer.trusted) return peer.ip;
  const xff = head.fields.get('x-forwarded-for');
  if (xff === undefined) return peer.ip;
  const hops = xff.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (hop.length > 0 && !trusted.has(hop)) return hop;
  }
  return hops[0]!.trim() || peer.ip;
}

/**
 * The request head sent to a backend: re-serialised field by field (never raw bytes),
 * hop-by-hop fields removed, forwarding fields set from the real peer.
 * `bodyLength` is the Content-Length to send, or -1 for chunked, or -2 for no body.
 */
export function upstreamRequestHead(head: RequestHead, peer: Peer, clientIp: string, bodyLength: number): string {
  const { names, lower, values } = head.fields;
  const tokens = head.connectionTokens;
  let out = head.method + ' ' + head.target + ' HTTP/1.1\r\n';
  let xff: string | undefined;
  let forwarded: string | undefined;
  let proto: string | undefined;
  let forwardedHost: string | undefined;
  let requestId: string | undefined;
  let via: string | undefined;
  let sawHost = false;
  for (let i = 0; i < names.length; i++) {
    const name = lower[i]!;
    const kind = KINDS.get(name);
    if (kind === undefined) {
      if (tokens !== null && tokens.includes(name)) continue;
      if (name === 'host') {
        sawHost = true;
        out += 'Host: ' + head.authority + '\r\n';
        continue;
      }
      out += names[i] + ': ' + values[i] + '\r\n';
      continue;
    }
    switch (kind) {
      case Kind.Forwarding:
        if (!peer.trusted) break;
        if (name === 'x-forwarded-for') xff = xff === undefined ? values[i] : xff + ', ' + values[i];
        else if (name === 'forwarded') forwarded = forwarded === undefined ? values[i] : forwarded + ', ' + values[i];
        else if (name === 'x-forwarded-proto') proto = values[i];
        else if (name === 'x-forwarded-host') forwardedHost = values[i];
        break;
      case Kind.RequestId:
        if (requestId === undefined && REQUEST_ID.test(values[i]!)) requestId = values[i];
        break;
      case Kind.Via:
        via = via === undefined ? values[i] : via + ', ' + values[i];
        break;
      default:
        break; // hop-by-hop and framing fields are dropped here and re-emitted below
    }
  }
  // HTTP/1.1 requires Host; without an authority it is sent empty (RFC 9112 3.2)
  if (!sawHost) out += 'Host: ' + head.authority + '\r\n';
  const peerIp = peer.ip;
  out += 'X-Forwarded-For: ' + (xff === undefined ? peerIp : xff + ', ' + peerIp) + '\r\n';
  out += 'X-Forwarded-Proto: ' + (proto ?? peer.proto) + '\r\n';
  if (head.authority !== '') out += 'X-Forwarded-Host: ' + (forwardedHost ?? head.authority) + '\r\n';
  out += 'X-Real-IP: ' + clientIp + '\r\n';
  const element = 'for=' + forwardedNode(peerIp) + ';proto=' + peer.proto + (head.authority !== '' ? ';host="' + head.authority + '"' : '');
  out += 'Forwarded: ' + (forwarded === undefined ? element : forwarded + ', ' + element) + '\r\n';
  head.requestId = requestId ?? randomUUID();
  out += 'X-Request-ID: ' + head.requestId + '\r\n';
  out += 'Via: ' + (via === undefined ? '' : via + ', ') + (head.version === 11 ? '1.1' : head.version === 20 ? '2' : '1.0') + ' fulcrum\r\n';
  if (peer.certHeaders !== '') out += peer.certHeaders;
  // the one upgrade relayed: Connection and Upgrade are hop-by-hop, so they are re-emitted here
  if (head.websocket) out += 'Connection: Upgrade\r\nUpgrade: websocket\r\n';
  if (bodyLength >= 0) out += 'Content-Length: ' + bodyLength + '\r\n';
  else if (bodyLength === -1) out += 'Transfer-Encoding: chunked\r\n';
  return out + '\r\n';
}

function forwardedNode(ip: string): string {
  return ip.includes(':') ? '"[' + ip + ']"' : ip;
}
