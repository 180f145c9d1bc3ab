// The runtime shapes of the `middlewares:` map (docs/middlewares.md), derived from middleware-schema.ts.
// One kind per middleware; routes reference them by name and the listener compiles each route's chain once at load.
import type { z } from 'zod';
import type { middlewareSchema } from './middleware-schema.js';

export type { CompressAlgorithm, RedirectStatus } from './enums.js';

/** One middleware of one kind, as the schema produces it (without its name). */
export type MiddlewareSpec = z.output<typeof middlewareSchema>;
export type MiddlewareKind = MiddlewareSpec['kind'];
export type MiddlewareKinds = { [K in MiddlewareKind]: Extract<MiddlewareSpec, { kind: K }>['settings'] };

/** One named middleware of one kind; a static root is absolute (resolved against the config file's folder). */
export type MiddlewareConfig = MiddlewareSpec & { name: string };

/** `rateLimit`: a token bucket per key (client-ip | route | header:NAME, lower-cased), and/or a cap on connections per client. */
export type RateLimitConfig = MiddlewareKinds['rateLimit'];
/** `compress`: gzip / brotli negotiated from Accept-Encoding. */
export type CompressConfig = MiddlewareKinds['compress'];
export type HeadersConfig = MiddlewareKinds['headers'];
/** Field operations; names as written (sent that way), matched case-insensitively. */
export type HeaderOps = HeadersConfig['request'];
export type RewriteConfig = MiddlewareKinds['rewrite'];
/**
 * `redirect`: either `to` (a template with {scheme} {host} {port} {path}) or any of scheme/host/port/path
 * replacing that part of the request's URL. The query is kept unless keepQuery is false.
 */
export type RedirectConfig = MiddlewareKinds['redirect'];
/** `static`: files under root; maxAge in ms. */
export type StaticConfig = MiddlewareKinds['static'];
/** `ipAllow` / `ipDeny` / `access`: CIDR lists; an empty allow list allows everyone not denied. */
export type AccessConfig = MiddlewareKinds['access'];
/** `deny`: requests whose path, query or a (lower-cased) header matches a regex are answered `status` (403). */
export type DenyConfig = MiddlewareKinds['deny'];
/** `custom`: a middleware registered with the library's `start({ middlewares })`, by name, with its options. */
export type CustomMiddlewareConfig = MiddlewareKinds['custom'];
