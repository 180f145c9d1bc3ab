// mTLS on an https listener: whether a client's certificate is acceptable, and the headers that
// tell backends who it is. Computed once per connection, right after the handshake.
import type { TLSSocket } from 'node:tls';
import type { ListenerTlsConfig } from '../config/types.js';

/** Set by Fulcrum from the verified certificate; a client's own copies are always removed. */
export const CLIENT_CERT_HEADERS = ['x-client-cert-subject', 'x-client-cert-fingerprint'] as const;

export type ClientIdentity = { ok: true; headers: string } | { ok: false; reason: string };

const NONE: ClientIdentity = { ok: true, headers: '' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point (they must not reach a header)
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/g;

export function clientIdentity(socket: TLSSocket, clientAuth: NonNullable<ListenerTlsConfig['clientAuth']>): ClientIdentity {
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return clientAuth.required ? { ok: false, reason: 'no client certificate' } : NONE;
  // with `required: false` the handshake lets an unverifiable certificate through: refuse it here
  if (!socket.authorized) return { ok: false, reason: `client certificate not trusted: ${String(socket.authorizationError)}` };
  const depth = chainDepth(socket);
  if (depth > clientAuth.verifyDepth) return { ok: false, reason: `client certificate chain depth ${depth} exceeds verifyDepth ${clientAuth.verifyDepth}` };
  const subject = cert.subject.split('\n').join(',').replace(CONTROL_CHARACTERS, '');
  return { ok: true, headers: `X-Client-Cert-Subject: ${subject}\r\nX-Client-Cert-Fingerprint: ${cert.fingerprint256}\r\n` };
}

/** How many CA certificates sit above the client's in the verified chain. */
function chainDepth(socket: TLSSocket): number {
  let cert = socket.getPeerCertificate(true);
  let depth = 0;
  while (cert.issuerCertificate !== undefined && cert.issuerCertificate !== cert && cert.issuerCertificate.fingerprint256 !== cert.fingerprint256) {
    cert = cert.issuerCertificate;
    depth++;
    if (depth > 32) break;
  }
  // a chain ending in a CA that is not self-signed (an intermediate trusted directly) still counts it
  return Math.max(depth, 1);
}
