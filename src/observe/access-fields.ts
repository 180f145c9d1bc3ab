// What an access log line can say about a request, and how each field is read from the facts.
// Both formats (JSON and text) read the same getters, so a field means one thing in either.
import type { TLSSocket } from 'node:tls';
import type { AccessLogField } from '../config/types.js';
import type { Backend } from '../pool/backend.js';

/** The request as the access log reads it (an HTTP/1.1 head or an HTTP/2 stream's, seen the same way). */
export interface LoggedRequest {
  readonly method: string;
  readonly authority: string;
  /** the path, without the query */
  readonly path: string;
  /** the query without '?', or '' */
  readonly query: string;
  readonly requestId: string;
  readonly fields: { get(lowerName: string): string | undefined };
}

/** The client connection: its socket (TLS version) and what TLS established (SNI, client certificate). */
export interface LoggedConnection {
  readonly socket: object;
  readonly peer: { readonly sni: string; readonly certHeaders: string };
}

/** The upstream side of a forwarded request (the Attempt). */
export interface LoggedAttempt {
  readonly attempts: number;
  /** ms to the response head, -1 without one */
  readonly latencyMs: number;
  /** ms to open a new upstream connection, -1 when a pooled one was used */
  readonly connectMs: number;
}

/** One request's facts; `head` null for a refused head, `attempt` null for Fulcrum's own answers. */
export interface RequestFacts {
  listener: string;
  route: string;
  service: string;
  backend: Backend | null;
  clientIp: string;
  protocol: string;
  head: LoggedRequest | null;
  status: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  /** why Fulcrum refused the request ('' when it did not) */
  reason: string;
  connection: LoggedConnection | null;
  attempt: LoggedAttempt | null;
}

export type FieldValue = string | number | null;
export type FieldGetter = (facts: RequestFacts) => FieldValue;

const ms = (value: number): number => Math.round(value * 1000) / 1000;
const orNull = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value);
const CERT_SUBJECT = 'X-Client-Cert-Subject: ';

export const FIELD_GETTERS: Record<AccessLogField, FieldGetter> = {
  time: () => new Date().toISOString(),
  listener: (f) => f.listener,
  route: (f) => orNull(f.route),
  service: (f) => orNull(f.service),
  backend: (f) => f.backend?.id ?? null,
  clientIp: (f) => f.clientIp,
  method: (f) => orNull(f.head?.method),
  host: (f) => orNull(f.head?.authority),
  path: (f) => orNull(f.head?.path),
  query: (f) => orNull(f.head?.query),
  protocol: (f) => f.protocol,
  status: (f) => f.status,
  durationMs: (f) => ms(f.durationMs),
  bytesIn: (f) => f.bytesIn,
  bytesOut: (f) => f.bytesOut,
  requestId: (f) => orNull(f.head?.requestId),
  userAgent: (f) => orNull(f.head?.fields.get('user-agent')),
  referer: (f) => orNull(f.head?.fields.get('referer')),
  reason: (f) => orNull(f.reason),
  connectMs: (f) => (f.attempt === null || f.attempt.connectMs < 0 ? null : ms(f.attempt.connectMs)),
  responseMs: (f) => (f.attempt === null || f.attempt.latencyMs < 0 ? null : ms(f.attempt.latencyMs)),
  retries: (f) => (f.attempt === null ? 0 : Math.max(0, f.attempt.attempts - 1)),
  tlsVersion: (f) => {
    const socket = f.connection?.socket as Partial<TLSSocket> | undefined;
    return typeof socket?.getProtocol === 'function' ? socket.getProtocol() : null;
  },
  sni: (f) => orNull(f.connection?.peer.sni),
  clientCertSubject: (f) => {
    const headers = f.connection?.peer.certHeaders ?? '';
    const at = headers.indexOf(CERT_SUBJECT);
    return at === -1 ? null : headers.slice(at + CERT_SUBJECT.length, headers.indexOf('\r\n', at));
  },
};
