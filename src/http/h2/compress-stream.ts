// The route's compression on HTTP/2 responses: the same decision as HTTP/1.x (CompressMiddleware
// .decide edits the fields: Vary, Content-Encoding, no Content-Length, a weak ETag); the body then
// goes through a zlib stream whose output is relayed to the client's stream (readable-relay.ts).
import type { Transform } from 'node:stream';
import type { FieldList } from '../h1/fields.js';
import { createCompressor } from '../middleware/compress-sink.js';
import type { ChainClient, ChainRun } from '../middleware/run.js';

/**
 * A compressor for this response, or null to send it as it is. `length` is the body's length
 * (-1 unknown); `noBody`: HEAD, 204, 304 or an empty body.
 */
export function h2Compressor(run: ChainRun<ChainClient> | null, status: number, fields: FieldList, length: number, noBody: boolean): Transform | null {
  const compress = run === null ? null : run.chain.compress;
  if (compress === null) return null;
  const algorithm = compress.decide(run!, status, fields, length, noBody);
  return algorithm === null ? null : createCompressor(algorithm, compress.settings);
}
