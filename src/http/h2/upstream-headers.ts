// Header blocks between HTTP/2 peers: the request sent to an h2 backend (forwarding fields set
// from the real peer, as forwarding.ts does for HTTP/1.1) and the response and trailers relayed
// back (connection-specific fields dropped).
import { randomUUID } from 'node:crypto';
import type http2 from 'node:http2';
import type { Peer } from '../forwarding.js';
import type { RequestHead } from '../h1/request-head.js';

const FORWARDING = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'forwarded']);
const CLIENT_CERT = new Set(['x-client-cert-subject', 'x-client-cert-fingerprint']);
/** never relayed between HTTP/2 peers (RFC 9113 8.2.2), plus the fields Fulcrum sets itself */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'via', 'x-request-id']);
const REQUEST_ID = /^[A-Za-z0-9._:\-]{1,200}$/;

export function upstreamH2RequestHeaders(head: RequestHead, peer: Peer, clientIp: string, scheme: 'http' | 'https'): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': head.method,
    ':path': head.target,
    ':scheme': scheme,
  };
  if (head.authority !== '') headers[':authority'] = head.authority;
  const { lower, values } = head.fields;
  let xff: string | undefined;
  let forwarded: string | undefined;
  let proto: string | undefined;
  let forwardedHost: string | undefined;
  let requestId: string | undefined;
  let via: string | undefined;
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i]!;
    const value = values[i]!;
    if (FORWARDING.has(name)) {
      if (!peer.trusted) continue;
      if (name === 'x-forwarded-for') xff = xff === undefined ? value : xff + ', ' + value;
      else if (name === 'forwarded') forwarded = forwarded === undefined ? value : forwarded + ', ' + value;
      else if (name === 'x-forwarded-proto') proto = value;
      else if (name === 'x-forwarded-host') forwardedHost = value;
      continue;
    }
    if (name === 'x-request-id') {
      if (requestId === undefined && REQUEST_ID.test(value)) requestId = value;
      continue;
    }
    if (name === 'via') via = via === undefined ? value : via + ', ' + value;
    if (DROPPED.has(name) || CLIENT_CERT.has(name)) continue;
    append(headers, name, value);
  }
  headers['x-forwarded-for'] = xff === undefined ? peer.ip : xff + ', ' + peer.ip;
  headers['x-forwarded-proto'] = proto ?? peer.proto;
  if (head.authority !== '') headers['x-forwarded-host'] = forwardedHost ?? head.authority;
  headers['x-real-ip'] = clientIp;
  const node = peer.ip.includes(':') ? '"[' + peer.ip + ']"' : peer.ip;
  const element = 'for=' + node + ';proto=' + peer.proto + (head.authority !== '' ? ';host="' + head.authority + '"' : '');
  headers['forwarded'] = forwarded === undefined ? element : forwarded + ', ' + element;
  head.requestId = requestId ?? randomUUID();
  headers['x-request-id'] = head.requestId;
  headers['via'] = (via === undefined ? '' : via + ', ') + '2 fulcrum';
  if (peer.certHeaders !== '') {
    for (const line of peer.certHeaders.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return headers;
}

/** A response head or trailer block from an h2 backend, ready for the client. */
export function relayedHeaders(from: http2.IncomingHttpHeaders, hideHsts: boolean): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const name of Object.keys(from)) {
    if (DROPPED.has(name) && name !== 'via' && name !== 'x-request-id') continue;
    if (hideHsts && name === 'strict-transport-security') continue;
    if (name.charCodeAt(0) === 0x3a && name !== ':status') continue;
    out[name] = from[name];
  }
  return out;
}

function append(headers: http2.OutgoingHttpHeaders, name: string, value: string): void {
  const previous = headers[name];
  if (previous === undefined) headers[name] = value;
  else if (Array.isArray(previous)) previous.push(value);
  else headers[name] = [String(previous), value];
}
