import { FieldList, parseFieldLines, persists, splitList } from './fields.js';
import { HttpParseError } from './parse-error.js';

const MAX_RESPONSE_FIELDS = 256;

/** A parsed backend response head. Anything malformed throws HttpParseError(502). */
export class ResponseHead {
  status = 0;
  reason = '';
  version = 11;
  readonly fields = new FieldList();
  contentLength = -1;
  chunked = false;
  /** the backend keeps the connection open after this response */
  keepAlive = true;
  connectionTokens: string[] | null = null;
}

/** Parses `s[0, end)`: a response head decoded as latin1, without its final CRLFCRLF. */
export function parseResponseHead(s: string, end: number): ResponseHead {
  const head = new ResponseHead();
  let lineEnd = s.indexOf('\r\n');
  if (lineEnd === -1 || lineEnd > end) lineEnd = end;
  // "HTTP/1.1 200 OK": version, SP, three digits, then SP and an optional reason
  if (lineEnd < 12 || !s.startsWith('HTTP/1.', 0) || s.charCodeAt(8) !== 0x20) throw bad('malformed status line');
  const minor = s.charCodeAt(7);
  if (minor !== 0x30 && minor !== 0x31) throw bad('unsupported response version');
  head.version = minor === 0x31 ? 11 : 10;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw bad('malformed status code');
    status = status * 10 + (c - 0x30);
  }
  if (status < 100) throw bad('malformed status code');
  if (lineEnd > 12 && s.charCodeAt(12) !== 0x20) throw bad('malformed status line');
  head.status = status;
  head.reason = lineEnd > 13 ? s.slice(13, lineEnd) : '';
  for (let i = 13; i < lineEnd; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw bad('control character in reason phrase');
  }
  if (lineEnd < end) parseFieldLines(s, lineEnd + 2, end, head.fields, MAX_RESPONSE_FIELDS, 502);
  interpretFields(head);
  return head;
}

function interpretFields(head: ResponseHead): void {
  const { lower, values } = head.fields;
  let transferEncoding: string[] | null = null;
  for (let i = 0; i < lower.length; i++) {
    switch (lower[i]) {
      case 'content-length': {
        const value = values[i]!;
        if (!/^\d{1,15}$/.test(value)) throw bad('invalid Content-Length');
        const length = Number(value);
        if (head.contentLength !== -1 && head.contentLength !== length) throw bad('conflicting Content-Length');
        head.contentLength = length;
        break;
      }
      case 'transfer-encoding':
        splitList(values[i]!, (transferEncoding ??= []));
        break;
      case 'connection':
        splitList(values[i]!, (head.connectionTokens ??= []));
        break;
    }
  }
  if (transferEncoding !== null) {
    if (head.contentLength !== -1) throw bad('both Content-Length and Transfer-Encoding');
    // Only plain chunked is relayed: other codings would have to reach the client as-is.
    if (transferEncoding.length !== 1 || transferEncoding[0] !== 'chunked') throw bad('unsupported transfer coding');
    head.chunked = true;
  }
  head.keepAlive = persists(head.version, head.connectionTokens);
}

function bad(reason: string): HttpParseError {
  return new HttpParseError(502, reason);
}
