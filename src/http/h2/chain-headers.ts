// The route's middlewares on HTTP/2 streams, where they meet header blocks: an answer of the chain's
// own (403, 429, a redirect) sent as an HTTP/2 response, and the response phases (header rules,
// RateLimit fields) applied to a header object. The decisions are the chain's (middleware/run.ts);
// only the writing is HTTP/2's.
import type http2 from 'node:http2';
import type { Transform } from 'node:stream';
import { FieldList } from '../h1/fields.js';
import type { Answer } from '../middleware/chain.js';
import type { ChainClient, ChainRun } from '../middleware/run.js';
import { h2Compressor } from './compress-stream.js';

/** Never sent in an HTTP/2 header block (RFC 9113 8.2.2), nor framing Fulcrum sets itself. */
const NOT_FOR_H2 = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'content-length']);

/** Sends `answer` on the stream, with the route's response phases applied; returns the body bytes sent. */
export function respondWithAnswer(stream: http2.ServerHttp2Stream, run: ChainRun<ChainClient>, answer: Answer, hsts: string): number {
  if (stream.headersSent || stream.closed) return 0;
  const fields = new FieldList();
  for (const [name, value] of answer.fields) fields.push(name, name.toLowerCase(), value);
  if (fields.get('content-type') === undefined) fields.push('Content-Type', 'content-type', 'text/plain; charset=utf-8');
  run.applyResponsePhases(answer.status, fields);
  const headers = headersFromFields(answer.status, fields);
  const full = answer.binary ?? answer.body;
  const length = typeof full === 'string' ? Buffer.byteLength(full) : full.length;
  const sent = run.head.method === 'HEAD' ? 0 : length;
  headers['content-length'] = length;
  if (hsts !== '') headers['strict-transport-security'] = hsts;
  stream.respond(headers, { endStream: sent === 0 });
  if (sent !== 0) stream.end(full);
  return sent;
}

/**
 * The response phases and the route's compression on a response's header object (from an h2
 * backend): rebuilt from the changed fields. `compressor` is set when the body is to be compressed
 * (its content-length is then dropped); `noBody`: the response ends with its headers.
 */
export function responsePhasesOnHeaders(
  run: ChainRun<ChainClient>,
  headers: http2.OutgoingHttpHeaders,
  noBody: boolean,
): { headers: http2.OutgoingHttpHeaders; compressor: Transform | null } {
  const status = Number(headers[':status']);
  const fields = new FieldList();
  let length: http2.OutgoingHttpHeaders[string];
  for (const name of Object.keys(headers)) {
    if (name.charCodeAt(0) === 0x3a) continue;
    const value = headers[name];
    if (name === 'content-length') length = value;
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) fields.push(name, name, String(one));
    else fields.push(name, name, String(value));
  }
  run.applyResponsePhases(status, fields);
  const declared = length === undefined ? -1 : Number(length);
  const compressor = h2Compressor(run, status, fields, Number.isFinite(declared) ? declared : -1, noBody);
  const out = headersFromFields(status, fields);
  if (length !== undefined && compressor === null) out['content-length'] = length as string | number;
  return { headers: out, compressor };
}

/** A header object from a field list: lower-case names, repeated fields as arrays, connection fields left out. */
export function headersFromFields(status: number, fields: FieldList): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = { ':status': status };
  const { lower, values } = fields;
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i]!;
    if (NOT_FOR_H2.has(name)) continue;
    appendHeader(headers, name, values[i]!);
  }
  return headers;
}

export function appendHeader(headers: http2.OutgoingHttpHeaders, name: string, value: string): void {
  const previous = headers[name];
  if (previous === undefined) headers[name] = value;
  else if (Array.isArray(previous)) previous.push(value);
  else headers[name] = [String(previous), value];
}
