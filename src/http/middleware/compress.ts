// `compress`: gzip or brotli (quality 4-5), negotiated from Accept-Encoding. Skips small bodies,
// types outside the allow list, responses already encoded or marked no-transform, ranges and
// bodiless responses; adds Vary: Accept-Encoding to every response it could have compressed.
import type { CompressAlgorithm, CompressConfig } from '../../config/middleware-types.js';
import type { FieldList } from '../h1/fields.js';
import type { RequestPhase, Verdict } from './chain.js';
import { addListToken, removeField } from './field-ops.js';
import type { ChainClient, ChainRun } from './run.js';

const CONTENT_ENCODING: Record<CompressAlgorithm, string> = { br: 'br', gzip: 'gzip' };

export class CompressMiddleware implements RequestPhase {
  private readonly exactTypes: Set<string>;
  private readonly majorTypes: Set<string>;
  private readonly anyType: boolean;

  constructor(
    readonly name: string,
    readonly settings: CompressConfig,
  ) {
    this.exactTypes = new Set(settings.types.filter((t) => !t.endsWith('/*')));
    this.majorTypes = new Set(settings.types.filter((t) => t.endsWith('/*')).map((t) => t.slice(0, -2)));
    this.anyType = this.majorTypes.has('*');
  }

  /** The request phase: note which encoding this client takes. */
  onRequest(run: ChainRun<ChainClient>): Verdict {
    const accept = run.head.fields.get('accept-encoding');
    run.encoding = accept === undefined ? null : negotiate(accept, this.settings.algorithms);
    return null;
  }

  typeAllowed(contentType: string | undefined): boolean {
    if (contentType === undefined) return false;
    const semi = contentType.indexOf(';');
    const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
    if (this.exactTypes.has(type)) return true;
    if (this.anyType) return true;
    const slash = type.indexOf('/');
    return slash > 0 && this.majorTypes.has(type.slice(0, slash));
  }

  /**
   * Whether this response is compressed, and with what. Edits the fields: Vary when the response
   * could be compressed; then Content-Encoding, no Content-Length or Accept-Ranges, a weak ETag.
   * `length` is the body's Content-Length (-1 unknown).
   */
  decide(run: ChainRun<ChainClient>, status: number, fields: FieldList, length: number, noBody: boolean): CompressAlgorithm | null {
    if (status < 200 || status === 204 || status === 206 || status === 304) return null;
    if (!this.typeAllowed(fields.get('content-type'))) return null;
    const encoding = fields.get('content-encoding');
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return null;
    const cacheControl = fields.get('cache-control');
    if (cacheControl !== undefined && /(^|,)\s*no-transform\s*(,|$)/i.test(cacheControl)) return null;
    if (length >= 0 && length < this.settings.minSize) return null;
    addListToken(fields, 'Vary', 'vary', 'Accept-Encoding');
    const algorithm = run.encoding;
    if (algorithm === null || noBody || run.head.method === 'HEAD') return null;
    removeField(fields, 'content-encoding');
    fields.push('Content-Encoding', 'content-encoding', CONTENT_ENCODING[algorithm]);
    removeField(fields, 'content-length');
    removeField(fields, 'accept-ranges');
    weakenEtag(fields);
    return algorithm;
  }
}

/** The compressed body is another representation: a strong validator of the original would lie. */
function weakenEtag(fields: FieldList): void {
  const { lower, values } = fields;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] === 'etag' && values[i]!.startsWith('"')) values[i] = 'W/' + values[i];
  }
}

/**
 * The best of `offered` (server preference order) that Accept-Encoding allows, by q-value; ties go
 * to the server's order. `*` covers codings not named; q=0 refuses. null: send identity.
 */
export function negotiate(acceptEncoding: string, offered: readonly CompressAlgorithm[]): CompressAlgorithm | null {
  let star = -1;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key!.trim().toLowerCase() === 'q') {
        const parsed = Number(value?.trim());
        weight = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
      }
    }
    if (name === '*') star = weight;
    else q.set(name === 'x-gzip' ? 'gzip' : name, Math.max(weight, q.get(name) ?? 0));
  }
  let best: CompressAlgorithm | null = null;
  let bestQ = 0;
  for (const algorithm of offered) {
    const weight = q.get(algorithm) ?? (star >= 0 ? star : 0);
    if (weight > bestQ) {
      best = algorithm;
      bestQ = weight;
    }
  }
  return best;
}
