// The route's middlewares on HTTP/2 streams, where they meet header blocks: an answer of the chain's
// own (403, 429, a redirect) sent as an HTTP/2 response, and the response phases (header rules,
// RateLimit fields) applied to a flat header list. The decisions are the chain's (middleware/run.ts);
// only the writing is HTTP/2's.
import type { Transform } from 'node:stream';
import { FieldList } from '../h1/fields.js';
import type { Answer } from '../middleware/chain.js';
import type { ChainClient, ChainRun } from '../middleware/run.js';
import type { ClientStream } from './client-stream.js';
import { h2Compressor } from './compress-stream.js';

/** Never sent in an HTTP/2 header block (RFC 9113 8.2.2), nor framing Fulcrum sets itself. */
const NOT_FOR_H2 = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'content-length']);

/** Sends `answer` on the stream, with the route's response phases applied; returns the body bytes sent. */
export function respondWithAnswer(stream: ClientStream, run: ChainRun<ChainClient>, answer: Answer, hsts: string): number {
  if (stream.headersSent || stream.closed) return 0;
  const fields = new FieldList();
  for (const [name, value] of answer.fields) fields.push(name, name.toLowerCase(), value);
  if (fields.get('content-type') === undefined) fields.push('Content-Type', 'content-type', 'text/plain; charset=utf-8');
  run.applyResponsePhases(answer.status, fields);
  const headers = headersFromFields(fields);
  const full = answer.binary ?? answer.body;
  const length = typeof full === 'string' ? Buffer.byteLength(full) : full.length;
  const sent = run.head.method === 'HEAD' ? 0 : length;
  headers.push('content-length', String(length));
  if (hsts !== '') headers.push('strict-transport-security', hsts);
  stream.respond(answer.status, headers, sent === 0);
  if (sent !== 0) {
    stream.write(full);
    stream.end();
  }
  return sent;
}

/**
 * The response phases and the route's compression on a response's flat header list (from an h2
 * backend): rebuilt from the changed fields. `compressor` is set when the body is to be compressed
 * (its content-length is then dropped); `noBody`: the response ends with its headers.
 */
export function responsePhasesOnHeaders(run: ChainRun<ChainClient>, status: number, headers: string[], noBody: boolean): { headers: string[]; compressor: Transform | null } {
  const fields = new FieldList();
  let length: string | undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!;
    if (name === 'content-length') length = headers[i + 1]!;
    fields.push(name, name, headers[i + 1]!);
  }
  run.applyResponsePhases(status, fields);
  const declared = length === undefined ? -1 : Number(length);
  const compressor = h2Compressor(run, status, fields, Number.isFinite(declared) ? declared : -1, noBody);
  const out = headersFromFields(fields);
  if (length !== undefined && compressor === null) out.push('content-length', length);
  return { headers: out, compressor };
}

/** A flat header list from a field list: lower-case names, connection fields and content-length left out. */
export function headersFromFields(fields: FieldList): string[] {
  const headers: string[] = [];
  const { lower, values } = fields;
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i]!;
    if (NOT_FOR_H2.has(name)) continue;
    headers.push(name, values[i]!);
  }
  return headers;
}
