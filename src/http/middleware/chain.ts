// A route's middlewares compiled once at config load into a chain of small objects, each with the
// phases it needs: request (may rewrite the request, or answer by itself), response head (fields,
// compression). The data path of a route without middlewares only checks `middlewares !== null`.
import type { MiddlewareConfig } from '../../config/middleware-types.js';
import type { MaybePromise, StateStore } from '../../state/state-store.js';
import type { RouteStats } from '../../observe/traffic-stats.js';
import type { FieldList } from '../h1/fields.js';
import { AccessMiddleware, DenyMiddleware } from './access.js';
import { CompressMiddleware } from './compress.js';
import { HeadersMiddleware } from './headers.js';
import { RateLimitMiddleware } from './rate-limit.js';
import { RedirectMiddleware } from './redirect.js';
import { RewriteMiddleware } from './rewrite.js';
import { StaticMiddleware } from './static.js';
import type { ChainClient, ChainRun } from './run.js';

/** What a middleware answers with instead of forwarding: a small complete response. */
export interface Answer {
  status: number;
  /** field lines to send, [name, value] */
  fields: Array<[string, string]>;
  body: string;
  /** close the connection after this answer (e.g. over a per-client connection cap) */
  close?: boolean;
}

/** The request phase: null to go on, an Answer to stop there. */
export type Verdict = Answer | null;

export interface RequestPhase {
  readonly name: string;
  /**
   * Synchronous phases answer at once (no promise on the data path); a phase that must wait (a
   * networked state store, a user's middleware) returns a promise and the request waits for it.
   */
  onRequest(run: ChainRun<ChainClient>): MaybePromise<Verdict>;
}

export interface ResponsePhase {
  readonly name: string;
  /** change the fields of a response head (the backend's, or an answer of Fulcrum's own) */
  onResponseHead(run: ChainRun<ChainClient>, status: number, fields: FieldList): void;
}

/** What compiling a chain needs from the listener. */
export interface ChainContext {
  store: StateStore;
  /** "listener/route index": the key of rate limits keyed by route */
  routeId: string;
  stats: RouteStats;
}

export class CompiledChain {
  constructor(
    readonly requestPhases: readonly RequestPhase[],
    readonly responsePhases: readonly ResponsePhase[],
    /** answers the request with a file when the request phases let it through */
    readonly staticFiles: StaticMiddleware | null,
    readonly compress: CompressMiddleware | null,
    readonly stats: RouteStats,
  ) {}
}

/** Build a route's chain from its resolved middlewares; null when it has none (the fast path). */
export function compileChain(chain: readonly MiddlewareConfig[] | undefined, context: ChainContext): CompiledChain | null {
  if (chain === undefined || chain.length === 0) return null;
  const requestPhases: RequestPhase[] = [];
  const responsePhases: ResponsePhase[] = [];
  let staticFiles: StaticMiddleware | null = null;
  let compress: CompressMiddleware | null = null;
  for (const middleware of chain) {
    if (staticFiles !== null && middleware.kind !== 'compress' && middleware.kind !== 'headers') {
      throw new Error(`middleware '${middleware.name}' comes after static '${staticFiles.name}', which answers every request it sees`);
    }
    switch (middleware.kind) {
      case 'rateLimit': {
        const limit = new RateLimitMiddleware(middleware.name, middleware.settings, context);
        requestPhases.push(limit);
        if (limit.rate > 0) responsePhases.push(limit);
        break;
      }
      case 'compress':
        if (compress !== null) throw new Error(`route has two compress middlewares ('${compress.name}', '${middleware.name}')`);
        compress = new CompressMiddleware(middleware.name, middleware.settings);
        requestPhases.push(compress);
        break;
      case 'headers': {
        const headers = new HeadersMiddleware(middleware.name, middleware.settings);
        if (headers.hasRequestOps) requestPhases.push(headers);
        if (headers.hasResponseOps) responsePhases.push(headers);
        break;
      }
      case 'rewrite':
        requestPhases.push(new RewriteMiddleware(middleware.name, middleware.settings));
        break;
      case 'redirect':
        requestPhases.push(new RedirectMiddleware(middleware.name, middleware.settings));
        break;
      case 'static':
        staticFiles = new StaticMiddleware(middleware.name, middleware.settings);
        break;
      case 'access':
        requestPhases.push(new AccessMiddleware(middleware.name, middleware.settings));
        break;
      case 'deny':
        requestPhases.push(new DenyMiddleware(middleware.name, middleware.settings));
        break;
    }
  }
  return new CompiledChain(requestPhases, responsePhases, staticFiles, compress, context.stats);
}
