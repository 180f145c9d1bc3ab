// The normalized shapes of the `middlewares:` map (docs/middlewares.md). One kind per middleware;
// routes reference them by name and the listener compiles each route's chain once at load.

/** `rateLimit`: a token bucket per key, and/or a cap on concurrent connections per client. */
export interface RateLimitConfig {
  /** tokens per second; 0 = no token bucket (only the connection cap) */
  rate: number;
  /** bucket size: requests allowed at once after an idle period */
  burst: number;
  /** 'client-ip' | 'route' | 'header:NAME' (lower-cased) */
  key: string;
  /** concurrent connections per client IP using this route; 0 = no cap */
  maxConnectionsPerClient: number;
}

import type { CompressAlgorithm, RedirectStatus } from './enums.js';

export type { CompressAlgorithm, RedirectStatus };

/** `compress`: gzip / brotli negotiated from Accept-Encoding. */
export interface CompressConfig {
  /** server preference among what the client accepts with the same q */
  algorithms: CompressAlgorithm[];
  /** bytes: responses with a smaller Content-Length go out as they are */
  minSize: number;
  /** media types (lower-case, no parameters); `text/*` matches a whole top-level type */
  types: string[];
  gzipLevel: number;
  brotliQuality: number;
}

/** Field operations; names as written (sent that way), matched case-insensitively. */
export interface HeaderOps {
  set: Array<[string, string]>;
  add: Array<[string, string]>;
  remove: string[];
}

export interface HeadersConfig {
  request: HeaderOps;
  response: HeaderOps;
}

export type RewriteConfig = { stripPrefix: string } | { regex: string; replacement: string };

/**
 * `redirect`: either `to` (a template with {scheme} {host} {port} {path}) or any of scheme/host/port/path
 * replacing that part of the request's URL. The query is kept unless keepQuery is false.
 */
export interface RedirectConfig {
  status: RedirectStatus;
  to?: string;
  scheme?: 'http' | 'https';
  host?: string;
  port?: number;
  path?: string;
  keepQuery: boolean;
}

/** `static`: files under root (absolute, resolved against the config file's folder). */
export interface StaticConfig {
  root: string;
  /** files tried for a directory, in order; [] = none (404) */
  index: string[];
  /** ms for Cache-Control max-age; 0 = no Cache-Control */
  maxAge: number;
  immutable: boolean;
}

/** `ipAllow` / `ipDeny` / `access`: CIDR lists; an empty allow list allows everyone not denied. */
export interface AccessConfig {
  allow: string[];
  deny: string[];
}

/** `deny`: requests whose path, query or a header matches a regex are answered `status` (403). */
export interface DenyConfig {
  path: string[];
  query: string[];
  /** lower-cased header name -> regexes */
  headers: Record<string, string[]>;
  status: number;
}

export interface MiddlewareKinds {
  rateLimit: RateLimitConfig;
  compress: CompressConfig;
  headers: HeadersConfig;
  rewrite: RewriteConfig;
  redirect: RedirectConfig;
  static: StaticConfig;
  access: AccessConfig;
  deny: DenyConfig;
}
export type MiddlewareKind = keyof MiddlewareKinds;

/** One middleware of one kind, as the schema produces it (without its name). */
export type MiddlewareSpec = { [K in MiddlewareKind]: { kind: K; settings: MiddlewareKinds[K] } }[MiddlewareKind];

/** One named middleware of one kind. */
export type MiddlewareConfig = MiddlewareSpec & { name: string };
