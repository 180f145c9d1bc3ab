// A strict-enough HTTP/1.1 response parser for tests: reads one response from a byte
// buffer, so a test can see exactly what went over the wire (framing included).

export interface RawResponse {
  status: number;
  reason: string;
  /** the head as received, without the final CRLFCRLF */
  head: string;
  /** lower-cased names; repeated fields joined with ", " */
  headers: Record<string, string>;
  /** [name, value] in order, names as sent */
  rawHeaders: Array<[string, string]>;
  body: Buffer;
  /** how the body was framed on the wire */
  framing: 'none' | 'length' | 'chunked' | 'close';
  /** trailer fields of a chunked body, lower-cased names */
  trailers: Record<string, string>;
}

export interface ParseResult {
  response: RawResponse;
  /** bytes of `buf` the response used */
  consumed: number;
}

/**
 * Parses the response at the start of `buf`. Returns undefined when more bytes are needed.
 * `ended`: the peer closed, so a body without length ends here. `method` decides HEAD.
 */
export function parseResponse(buf: Buffer, method: string, ended: boolean): ParseResult | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!m) throw new Error(`malformed status line: ${JSON.stringify(lines[0])}`);
  const status = Number(m[1]);
  const headers: Record<string, string> = {};
  const rawHeaders: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    rawHeaders.push([name, value]);
    const lower = name.toLowerCase();
    headers[lower] = lower in headers ? `${headers[lower]}, ${value}` : value;
  }
  const response: RawResponse = { status, reason: m[2] ?? '', head, headers, rawHeaders, body: Buffer.alloc(0), framing: 'none', trailers: {} };
  const bodyStart = headEnd + 4;
  const noBody = method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304;
  if (noBody) return { response, consumed: bodyStart };
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const decoded = decodeChunked(buf, bodyStart);
    if (decoded === undefined) return undefined;
    response.framing = 'chunked';
    response.body = decoded.body;
    response.trailers = decoded.trailers;
    return { response, consumed: decoded.end };
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (buf.length - bodyStart < length) return undefined;
    response.framing = 'length';
    response.body = buf.subarray(bodyStart, bodyStart + length);
    return { response, consumed: bodyStart + length };
  }
  if (!ended) return undefined;
  response.framing = 'close';
  response.body = buf.subarray(bodyStart);
  return { response, consumed: buf.length };
}

function decodeChunked(buf: Buffer, start: number): { body: Buffer; trailers: Record<string, string>; end: number } | undefined {
  const parts: Buffer[] = [];
  let i = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', i);
    if (lineEnd === -1) return undefined;
    const sizeText = buf.toString('latin1', i, lineEnd).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk size line: ${JSON.stringify(sizeText)}`);
    const size = parseInt(sizeText, 16);
    i = lineEnd + 2;
    if (size === 0) break;
    if (buf.length < i + size + 2) return undefined;
    parts.push(buf.subarray(i, i + size));
    if (buf[i + size] !== 0x0d || buf[i + size + 1] !== 0x0a) throw new Error('chunk data not followed by CRLF');
    i += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', i);
    if (lineEnd === -1) return undefined;
    const line = buf.toString('latin1', i, lineEnd);
    i = lineEnd + 2;
    if (line === '') break;
    const colon = line.indexOf(':');
    trailers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers, end: i };
}
