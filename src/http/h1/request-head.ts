import type { HttpLimits } from '../../config/types.js';
import { authorityHostEnd, hostOf } from '../authority.js';
import { allIn, isToken, TARGET } from './chars.js';
import { FieldList, parseFieldLines, persists, splitList } from './fields.js';
import { HttpParseError } from './parse-error.js';

/** A parsed and validated HTTP/1.x request head. */
export class RequestHead {
  method = '';
  /** origin-form target sent upstream: path and query */
  target = '';
  /** the path part of the target (no query), as sent */
  path = '';
  /** the path the client sent, kept by the first rewrite ('' while unchanged): redirects point at it */
  clientPath = '';
  /** the query string without '?', or '' */
  query = '';
  /** 10 for HTTP/1.0, 11 for HTTP/1.1 */
  version = 11;
  /** the Host value as sent (with port) */
  authority = '';
  /** lower-cased host without port, for routing */
  host = '';
  readonly fields = new FieldList();
  /** -1 when the request has no Content-Length */
  contentLength = -1;
  chunked = false;
  /** the client wants the connection kept open after this exchange */
  keepAlive = true;
  expectContinue = false;
  /** lower-cased tokens of the Connection header: fields named there are hop-by-hop */
  connectionTokens: string[] | null = null;
  /**
   * A valid WebSocket opening handshake (GET, HTTP/1.1, no body, Connection: upgrade,
   * Upgrade: websocket): its Upgrade is relayed, and a 101 turns the connection into a tunnel.
   * Any other Upgrade (h2c included) is dropped and the request is served as plain HTTP.
   */
  websocket = false;
  /** the X-Request-ID sent upstream (the client's if valid, else generated); '' until then */
  requestId = '';

  get hasBody(): boolean {
    return this.chunked || this.contentLength > 0;
  }

  header(lowerName: string): string | undefined {
    return this.fields.get(lowerName);
  }
}

/**
 * Parses `s[0, end)`, a request head decoded as latin1 without its final CRLFCRLF.
 * Throws HttpParseError with the status to answer for anything ambiguous or invalid.
 */
export function parseRequestHead(s: string, end: number, limits: HttpLimits): RequestHead {
  const head = new RequestHead();
  let lineEnd = s.indexOf('\r\n');
  if (lineEnd === -1 || lineEnd > end) lineEnd = end;
  parseRequestLine(s, lineEnd, head, limits);
  if (lineEnd < end) parseFieldLines(s, lineEnd + 2, end, head.fields, limits.maxHeaders, 400);
  interpretFields(head);
  return head;
}

function parseRequestLine(s: string, end: number, head: RequestHead, limits: HttpLimits): void {
  const sp1 = s.indexOf(' ');
  if (sp1 <= 0 || sp1 >= end) throw new HttpParseError(400, 'malformed request line');
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || sp2 >= end) throw new HttpParseError(400, 'malformed request line');
  const method = s.slice(0, sp1);
  if (!isToken(method)) throw new HttpParseError(400, 'invalid method');
  if (sp2 - sp1 - 1 > limits.maxUriLength) throw new HttpParseError(414, 'request target too long');
  if (sp2 === sp1 + 1 || !allIn(s, sp1 + 1, sp2, TARGET)) throw new HttpParseError(400, 'invalid request target');

  const versionStart = sp2 + 1;
  if (end - versionStart !== 8 || !s.startsWith('HTTP/', versionStart)) throw new HttpParseError(400, 'invalid HTTP version');
  const major = s.charCodeAt(versionStart + 5);
  const dot = s.charCodeAt(versionStart + 6);
  const minor = s.charCodeAt(versionStart + 7);
  if (dot !== 0x2e || major < 0x30 || major > 0x39 || minor < 0x30 || minor > 0x39) {
    throw new HttpParseError(400, 'invalid HTTP version');
  }
  if (major !== 0x31 || minor > 0x31) throw new HttpParseError(505, 'HTTP version not supported');
  head.version = minor === 0x31 ? 11 : 10;
  head.method = method;
  if (method === 'CONNECT') throw new HttpParseError(405, 'CONNECT is not supported by a reverse proxy');

  let target = s.slice(sp1 + 1, sp2);
  if (target.charCodeAt(0) !== 0x2f) {
    if (target === '*' && method === 'OPTIONS') {
      head.target = head.path = '*';
      return;
    }
    target = absoluteToOrigin(target, head);
  }
  head.target = target;
  const q = target.indexOf('?');
  if (q === -1) head.path = target;
  else {
    head.path = target.slice(0, q);
    head.query = target.slice(q + 1);
  }
}

/** absolute-form (http://host/path): the authority replaces Host, the rest is the target. */
function absoluteToOrigin(target: string, head: RequestHead): string {
  const lower = target.slice(0, 8).toLowerCase();
  const schemeEnd = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : -1;
  if (schemeEnd === -1) throw new HttpParseError(400, 'invalid request target');
  let pathStart = target.indexOf('/', schemeEnd);
  const queryStart = target.indexOf('?', schemeEnd);
  if (pathStart === -1 || (queryStart !== -1 && queryStart < pathStart)) pathStart = queryStart;
  const authority = pathStart === -1 ? target.slice(schemeEnd) : target.slice(schemeEnd, pathStart);
  if (authorityHostEnd(authority) === -1) throw new HttpParseError(400, 'invalid authority in request target');
  head.authority = authority;
  if (pathStart === -1) return '/';
  return target.charCodeAt(pathStart) === 0x3f ? '/' + target.slice(pathStart) : target.slice(pathStart);
}

/** Applies the framing and connection rules of RFC 9112 to the parsed fields. */
function interpretFields(head: RequestHead): void {
  const { lower, values } = head.fields;
  let hostCount = 0;
  let host = '';
  let transferEncoding: string[] | null = null;
  let upgrade: string | undefined;
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i]!;
    switch (name) {
      case 'upgrade':
        upgrade = upgrade === undefined ? values[i]! : upgrade + ',' + values[i]!;
        break;
      case 'host':
        hostCount++;
        host = values[i]!;
        break;
      case 'content-length': {
        const length = parseContentLength(values[i]!);
        if (head.contentLength !== -1 && head.contentLength !== length) {
          throw new HttpParseError(400, 'conflicting Content-Length');
        }
        head.contentLength = length;
        break;
      }
      case 'transfer-encoding':
        splitList(values[i]!, (transferEncoding ??= []));
        break;
      case 'connection':
        splitList(values[i]!, (head.connectionTokens ??= []));
        break;
      case 'expect':
        if (values[i]!.toLowerCase() !== '100-continue') throw new HttpParseError(417, 'unsupported expectation');
        head.expectContinue = true;
        break;
    }
  }

  if (hostCount > 1) throw new HttpParseError(400, 'duplicate Host');
  if (hostCount === 0 && head.version === 11) throw new HttpParseError(400, 'missing Host');
  if (hostCount === 1) {
    // the Host is checked even when the absolute-form's authority wins over it (RFC 9112 3.2.2)
    if (authorityHostEnd(host) === -1) throw new HttpParseError(400, 'invalid Host');
    if (head.authority === '') head.authority = host;
  }
  // HTTP/1.0 without Host or absolute-form: no authority, host ''
  if (head.authority !== '') head.host = hostOf(head.authority, authorityHostEnd(head.authority));

  if (transferEncoding !== null) {
    if (head.contentLength !== -1) throw new HttpParseError(400, 'both Content-Length and Transfer-Encoding');
    if (head.version === 10) throw new HttpParseError(400, 'Transfer-Encoding in an HTTP/1.0 request');
    const last = transferEncoding[transferEncoding.length - 1];
    if (last !== 'chunked') throw new HttpParseError(400, 'Transfer-Encoding does not end in chunked');
    if (transferEncoding.length !== 1) throw new HttpParseError(501, 'unsupported transfer coding');
    head.chunked = true;
  }

  head.keepAlive = persists(head.version, head.connectionTokens);
  if (upgrade !== undefined) head.websocket = isWebSocketUpgrade(head, upgrade);
}

/** RFC 6455 4.1 as a proxy needs it; the backend checks the Sec-WebSocket-* fields itself. */
function isWebSocketUpgrade(head: RequestHead, upgrade: string): boolean {
  if (head.method !== 'GET' || head.version !== 11 || head.hasBody) return false;
  if (head.connectionTokens === null || !head.connectionTokens.includes('upgrade')) return false;
  const protocols: string[] = [];
  splitList(upgrade, protocols);
  return protocols.length === 1 && protocols[0] === 'websocket';
}

function parseContentLength(value: string): number {
  // A list of identical values ("5, 5") is the same length sent twice; anything else is refused.
  if (value.length === 0) throw new HttpParseError(400, 'invalid Content-Length');
  let result = -1;
  let current = -1;
  let digits = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = i === value.length ? 0x2c : value.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 15) throw new HttpParseError(400, 'Content-Length too large');
      current = (current === -1 ? 0 : current * 10) + (c - 0x30);
    } else if (c === 0x2c) {
      if (current === -1 || (result !== -1 && result !== current)) throw new HttpParseError(400, 'invalid Content-Length');
      result = current;
      current = -1;
      digits = 0;
      while (i + 1 < value.length && (value.charCodeAt(i + 1) === 0x20 || value.charCodeAt(i + 1) === 0x09)) i++;
    } else {
      throw new HttpParseError(400, 'invalid Content-Length');
    }
  }
  return result;
}
