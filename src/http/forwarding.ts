// The request head sent to an HTTP/1.1 backend (from an HTTP/1.1 client, or an HTTP/2 stream
// bridged by h2/to-h1.ts): forwarding-decision.ts decides, this writes it out as one string.
import { Fate, ForwardingDecision, type Peer } from './forwarding-decision.js';
import type { RequestHead } from './h1/request-head.js';

export { clientAddress, isHopByHop, type Peer } from './forwarding-decision.js';

const decision = new ForwardingDecision();

/**
 * The request head sent to a backend: re-serialised field by field (never raw bytes),
 * hop-by-hop fields removed, forwarding fields set from the real peer.
 * `bodyLength` is the Content-Length to send, or -1 for chunked, or -2 for no body.
 */
export function upstreamRequestHead(head: RequestHead, peer: Peer, clientIp: string, bodyLength: number): string {
  const { names, lower, values } = head.fields;
  const tokens = head.connectionTokens;
  let out = head.method + ' ' + head.target + ' HTTP/1.1\r\n';
  let sawHost = false;
  decision.begin(peer);
  for (let i = 0; i < names.length; i++) {
    const fate = decision.field(lower[i]!, values[i]!, tokens);
    if (fate === Fate.Relay) out += names[i] + ': ' + values[i] + '\r\n';
    else if (fate === Fate.Host) {
      sawHost = true;
      out += 'Host: ' + head.authority + '\r\n';
    }
  }
  // HTTP/1.1 requires Host; without an authority it is sent empty (RFC 9112 3.2)
  if (!sawHost) out += 'Host: ' + head.authority + '\r\n';
  decision.finish(head, peer, clientIp);
  out += 'X-Forwarded-For: ' + decision.xForwardedFor + '\r\nX-Forwarded-Proto: ' + decision.xForwardedProto + '\r\n';
  if (decision.xForwardedHost !== '') out += 'X-Forwarded-Host: ' + decision.xForwardedHost + '\r\n';
  out += 'X-Real-IP: ' + decision.xRealIp + '\r\nForwarded: ' + decision.forwarded + '\r\nX-Request-ID: ' + decision.requestId + '\r\nVia: ' + decision.via + '\r\n';
  if (peer.certHeaders !== '') out += peer.certHeaders;
  // the one upgrade relayed: Connection and Upgrade are hop-by-hop, so they are re-emitted here
  if (head.websocket) out += 'Connection: Upgrade\r\nUpgrade: websocket\r\n';
  if (bodyLength >= 0) out += 'Content-Length: ' + bodyLength + '\r\n';
  else if (bodyLength === -1) out += 'Transfer-Encoding: chunked\r\n';
  return out + '\r\n';
}
