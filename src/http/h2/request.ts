// An HTTP/2 request's header block, validated and turned into the RequestHead the router,
// the balancers' hash keys and the HTTP/1.1 serialisation already understand.
import type { HttpLimits } from '../../config/types.js';
import { authorityHostEnd, hostOf } from '../authority.js';
import { allIn, isFieldValue, isToken, TARGET } from '../h1/chars.js';
import { RequestHead } from '../h1/request-head.js';

/** The request head's `version` for HTTP/2 (10 and 11 are HTTP/1.x). */
export const HTTP2_VERSION = 20;

/** Why a request was refused: `status` 0 means a stream error (RST_STREAM PROTOCOL_ERROR), not a response. */
export class H2RequestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Fields that are connection-specific in HTTP/1.1 and malformed in HTTP/2 (RFC 9113 8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** RFC 9113 4.3.1: each field counts its name, its value and 32 bytes. */
const FIELD_OVERHEAD = 32;

/**
 * Validates `raw` (name, value, name, value, ... with lower-case names, as node:http2 hands
 * them over) and builds the head. Throws H2RequestError.
 */
export function requestHeadFromH2(raw: readonly string[], limits: HttpLimits, maxHeaderListSize: number): RequestHead {
  const head = new RequestHead();
  head.version = HTTP2_VERSION;
  let method = '';
  let path = '';
  let scheme = '';
  let authority = '';
  let host = '';
  let cookie: string | undefined;
  let listSize = 0;
  let regular = false;
  let contentLength = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    listSize += name.length + value.length + FIELD_OVERHEAD;
    if (!isFieldValue(value, 0, value.length)) throw new H2RequestError(0, `invalid character in the value of ${name}`);
    if (name.charCodeAt(0) === 0x3a) {
      if (regular) throw new H2RequestError(0, 'pseudo-header after a regular field');
      switch (name) {
        case ':method':
          method = value;
          break;
        case ':path':
          path = value;
          break;
        case ':scheme':
          scheme = value;
          break;
        case ':authority':
          authority = value;
          break;
        default:
          throw new H2RequestError(0, `unsupported pseudo-header ${name}`);
      }
      continue;
    }
    regular = true;
    if (!isToken(name) || name !== name.toLowerCase()) throw new H2RequestError(0, 'invalid field name');
    if (CONNECTION_SPECIFIC.has(name)) throw new H2RequestError(0, `connection-specific field ${name}`);
    if (name === 'te') {
      if (value.toLowerCase() !== 'trailers') throw new H2RequestError(0, 'te other than trailers');
    } else if (name === 'host') {
      host = value;
    } else if (name === 'cookie') {
      // split cookie fields are joined for HTTP/1.1 (RFC 9113 8.2.3)
      cookie = cookie === undefined ? value : cookie + '; ' + value;
      continue;
    } else if (name === 'expect') {
      continue; // the body is read by Fulcrum, never held back for a 100 Continue
    } else if (name === 'content-length') {
      if (!isDigits(value)) throw new H2RequestError(0, 'invalid content-length');
      if (contentLength !== '' && value !== contentLength) throw new H2RequestError(0, 'conflicting content-length fields');
      contentLength = value;
    }
    if (head.fields.length >= limits.maxHeaders) throw new H2RequestError(431, 'too many header fields');
    head.fields.push(name, name, value);
  }
  if (cookie !== undefined) head.fields.push('cookie', 'cookie', cookie);
  if (listSize > maxHeaderListSize) throw new H2RequestError(431, 'header list too large');
  if (method === '' || !isToken(method)) throw new H2RequestError(0, 'missing or invalid :method');
  if (method === 'CONNECT') throw new H2RequestError(405, 'CONNECT is not supported by a reverse proxy');
  if (scheme === '' || path === '') throw new H2RequestError(0, 'missing :scheme or :path');
  if (path.length > limits.maxUriLength) throw new H2RequestError(414, 'request target too long');
  if (!allIn(path, 0, path.length, TARGET)) throw new H2RequestError(0, 'invalid :path');
  if (path.charCodeAt(0) !== 0x2f && !(path === '*' && method === 'OPTIONS')) throw new H2RequestError(0, 'invalid :path');
  const hostValue = authority !== '' ? authority : host;
  // the same rule as an HTTP/1.1 Host; both are checked when both are sent
  const hostEnd = hostValue === '' ? 0 : authorityHostEnd(hostValue);
  if (hostEnd === -1 || (host !== '' && host !== hostValue && authorityHostEnd(host) === -1)) {
    throw new H2RequestError(400, 'invalid :authority or host');
  }
  head.method = method;
  head.target = path;
  const q = path.indexOf('?');
  head.path = q === -1 ? path : path.slice(0, q);
  head.query = q === -1 ? '' : path.slice(q + 1);
  head.authority = hostValue;
  head.host = hostValue === '' ? '' : hostOf(hostValue, hostEnd);
  if (host === '' && hostValue !== '') head.fields.push('host', 'host', hostValue); // Host for HTTP/1.1 backends
  return head;
}

/** The request's content-length (validated by requestHeadFromH2), -1 when it has none. */
export function declaredContentLength(head: RequestHead): number {
  const value = head.fields.get('content-length');
  return value === undefined ? -1 : Number(value);
}

function isDigits(value: string): boolean {
  if (value.length === 0 || value.length > 15) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
