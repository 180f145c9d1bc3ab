// Header blocks between HTTP/2 peers: the request sent to an h2 backend (what forwarding-decision.ts
// decides, spelled as an HTTP/2 header object) and the response and trailers relayed back
// (connection-specific fields dropped).
import type http2 from 'node:http2';
import { Fate, ForwardingDecision, isConnectionSpecific, type Peer } from '../forwarding-decision.js';
import type { RequestHead } from '../h1/request-head.js';

const decision = new ForwardingDecision();

export function upstreamH2RequestHeaders(head: RequestHead, peer: Peer, clientIp: string, scheme: 'http' | 'https'): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': head.method,
    ':path': head.target,
    ':scheme': scheme,
  };
  if (head.authority !== '') headers[':authority'] = head.authority;
  const { lower, values } = head.fields;
  const tokens = head.connectionTokens;
  decision.begin(peer);
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i]!;
    const value = values[i]!;
    switch (decision.field(name, value, tokens)) {
      case Fate.Relay:
      case Fate.ContentLength:
        append(headers, name, value);
        break;
      case Fate.TeTrailers:
        headers['te'] = 'trailers';
        break;
      default:
        break; // Host is :authority here
    }
  }
  decision.finish(head, peer, clientIp);
  headers['x-forwarded-for'] = decision.xForwardedFor;
  headers['x-forwarded-proto'] = decision.xForwardedProto;
  if (decision.xForwardedHost !== '') headers['x-forwarded-host'] = decision.xForwardedHost;
  headers['x-real-ip'] = decision.xRealIp;
  headers['forwarded'] = decision.forwarded;
  headers['x-request-id'] = decision.requestId;
  headers['via'] = decision.via;
  if (peer.certHeaders !== '') {
    for (const line of peer.certHeaders.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return headers;
}

/** A response head or trailer block from an h2 backend, ready for the client: flat, without pseudo-headers; `hide` one more field ('' none). */
export function relayedHeaders(from: http2.IncomingHttpHeaders, hideHsts: boolean, hide = ''): string[] {
  const out: string[] = [];
  for (const name of Object.keys(from)) {
    // host: a routing field, meaningless in a response and not allowed in trailers
    if (isConnectionSpecific(name) || name === 'host' || name === hide) continue;
    if (hideHsts && name === 'strict-transport-security') continue;
    if (name.charCodeAt(0) === 0x3a) continue;
    const value = from[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) out.push(name, one);
    else out.push(name, String(value));
  }
  return out;
}

function append(headers: http2.OutgoingHttpHeaders, name: string, value: string): void {
  const previous = headers[name];
  if (previous === undefined) headers[name] = value;
  else if (Array.isArray(previous)) previous.push(value);
  else headers[name] = [String(previous), value];
}
