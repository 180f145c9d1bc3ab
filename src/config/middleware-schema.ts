// The `middlewares:` map: one named middleware per entry, each of exactly one kind. Strict objects
// with their defaults beside each field; docs/middlewares.md explains them.
import { z } from 'zod';
import { COMPRESS_ALGORITHMS, RATE_LIMIT_KEYS, REDIRECT_STATUSES, ROUTED_PROTOCOLS } from './enums.js';
import type { HeaderOps, MiddlewareSpec } from './middleware-types.js';
import { cidr, count, describeValue, duration, formsPattern, listed, regexSource, size } from './values.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Fields that frame the message or belong to one connection: never set by a rule. */
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection']);

const headerName = z.string().superRefine((name, ctx) => {
  if (!TOKEN.test(name)) ctx.addIssue({ code: 'custom', message: `expected a header name, got ${describeValue(name)}` });
  else if (RESERVED.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', message: `'${name}' frames the message or the connection and cannot be changed by a rule` });
});
const headerValue = z.union([z.string(), z.number(), z.boolean()]).transform((value, ctx) => {
  const text = String(value);
  if (/[\r\n\0]/.test(text)) {
    ctx.addIssue({ code: 'custom', message: 'a header value cannot contain CR, LF or NUL' });
    return z.NEVER;
  }
  return text;
});
const headerMap = z.record(z.string(), headerValue).superRefine((map, ctx) => {
  for (const name of Object.keys(map)) {
    const parsed = headerName.safeParse(name);
    if (!parsed.success) ctx.addIssue({ code: 'custom', path: [name], message: parsed.error.issues[0]!.message });
  }
});

const headerOps = z
  .strictObject({
    set: headerMap.default({}), // none: replaces every field of that name
    add: headerMap.default({}), // none: appended, existing fields kept
    remove: z.array(headerName).default([]), // none
  })
  .transform((ops): HeaderOps => ({ set: Object.entries(ops.set), add: Object.entries(ops.add), remove: ops.remove }))
  .prefault({});

/** `100/s`, `6000/m`, `10/h` or a number (per second) -> tokens per second. */
const rate = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const match = typeof value === 'number' ? null : /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)\s*$/.exec(value);
  const perSecond = typeof value === 'number' ? value : match ? Number(match[1]) / { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'] : NaN;
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    ctx.addIssue({ code: 'custom', input: value, message: `expected a rate like "100/s", "600/m" or "10/h", got ${describeValue(value)}` });
    return z.NEVER;
  }
  return perSecond;
});

const rateLimitKey = z
  .string()
  .regex(formsPattern(RATE_LIMIT_KEYS, TOKEN), {
    error: (issue) => `expected ${listed(RATE_LIMIT_KEYS)}, got ${describeValue(issue.input)}`,
  })
  .transform((key) => key.toLowerCase());

const rateLimitSchema = z
  .strictObject({
    rate: rate.optional(), // none: no token bucket (then maxConnectionsPerClient is required)
    burst: z.number({ error: (issue) => `expected a whole number ≥ 1, got ${describeValue(issue.input)}` }).int().min(1).optional(), // = rate rounded up (one second's worth)
    key: rateLimitKey.default('client-ip'), // client-ip; header:NAME falls back to the client IP when absent
    maxConnectionsPerClient: count(0), // 0: no cap on concurrent connections per client
  })
  .superRefine((limit, ctx) => {
    if (limit.rate === undefined && limit.maxConnectionsPerClient === 0) {
      ctx.addIssue({ code: 'custom', message: "a rateLimit needs 'rate' (like 100/s), 'maxConnectionsPerClient', or both" });
    }
    if (limit.rate === undefined && limit.burst !== undefined) ctx.addIssue({ code: 'custom', path: ['burst'], message: "'burst' needs 'rate'" });
  })
  .transform((limit) => ({
    rate: limit.rate ?? 0,
    burst: limit.burst ?? (limit.rate === undefined ? 0 : Math.max(1, Math.ceil(limit.rate))),
    key: limit.key,
    maxConnectionsPerClient: limit.maxConnectionsPerClient,
  }));

export const DEFAULT_COMPRESS_TYPES = [
  'text/html', 'text/plain', 'text/css', 'text/javascript', 'text/xml', 'text/csv', 'text/markdown',
  'application/json', 'application/javascript', 'application/xml', 'application/xhtml+xml', 'application/rss+xml',
  'application/atom+xml', 'application/manifest+json', 'application/wasm', 'image/svg+xml',
];

const mediaType = z
  .string()
  .regex(/^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/i, { error: (issue) => `expected a media type like "text/html" or "text/*", got ${describeValue(issue.input)}` })
  .transform((type) => type.toLowerCase());

const compressSchema = z.strictObject({
  algorithms: z.array(z.enum(COMPRESS_ALGORITHMS)).min(1).default(['br', 'gzip']), // [br, gzip]: preferred first
  minSize: size(1024), // 1kb: smaller known lengths are sent as they are
  types: z.array(mediaType).min(1).default(DEFAULT_COMPRESS_TYPES), // text, JSON, JS, XML, SVG, wasm (see docs)
  gzipLevel: z.number().int().min(1).max(9).default(5), // 5
  brotliQuality: z.number().int().min(4, 'brotli runs at quality 4 or 5 (11 is far too slow for a proxy)').max(5, 'brotli runs at quality 4 or 5 (11 is far too slow for a proxy)').default(4), // 4
});

const headersSchema = z.strictObject({
  request: headerOps, // applied before the request is sent upstream
  response: headerOps, // applied to the response head (backend's or Fulcrum's own)
});

const path = z.string().startsWith('/', 'expected a path starting with "/"');

const rewriteSchema = z.union(
  [z.strictObject({ stripPrefix: path }), z.strictObject({ regex: regexSource, replacement: z.string() })],
  { error: 'expected { stripPrefix: /prefix } or { regex: "...", replacement: "..." }' },
);

const redirectSchema = z
  .strictObject({
    status: z.literal(REDIRECT_STATUSES, { error: `expected ${listed(REDIRECT_STATUSES)}` }).default(302), // 302
    to: z.string().min(1).optional(), // a URL template: {scheme} {host} {port} {path}
    scheme: z.enum(ROUTED_PROTOCOLS).optional(), // the request's
    host: z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected a host name').optional(), // the request's
    port: z.number().int().min(1).max(65535).optional(), // the request's (none in the Location when it is the scheme's default)
    path: path.optional(), // the request's; may contain {path}
    keepQuery: z.boolean().default(true), // true: the request's query is appended
  })
  .superRefine((redirect, ctx) => {
    const parts = ['scheme', 'host', 'port', 'path'] as const;
    if (redirect.to !== undefined && parts.some((p) => redirect[p] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: "'to' is a whole URL template; use it or scheme/host/port/path, not both" });
    }
    if (redirect.to === undefined && !parts.some((p) => redirect[p] !== undefined)) {
      ctx.addIssue({ code: 'custom', message: "a redirect needs 'to' or at least one of scheme, host, port, path" });
    }
  });

const staticSchema = z.strictObject({
  root: z.string().min(1), // required: relative to the config file's folder
  index: z.union([z.string().min(1), z.array(z.string().min(1)), z.literal(false)]).default(['index.html']), // index.html; false = none
  maxAge: duration(0), // 0: no Cache-Control
  immutable: z.boolean().default(false), // false
});

const cidrList = z.array(cidr);

const accessSchema = z
  .strictObject({
    allow: cidrList.default([]), // []: everyone not denied
    deny: cidrList.default([]), // []
  })
  .superRefine((access, ctx) => {
    if (access.allow.length === 0 && access.deny.length === 0) ctx.addIssue({ code: 'custom', message: "'access' needs 'allow' or 'deny'" });
  });

const regexList = z.union([regexSource, z.array(regexSource).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

const denySchema = z
  .strictObject({
    path: regexList.optional(), // matched against the path as sent and percent-decoded
    query: regexList.optional(), // matched against the query as sent and percent-decoded
    headers: z.record(z.string(), regexList).optional(), // header name -> regex, tested on every value
    status: z.number().int().min(400).max(499).default(403), // 403
  })
  .superRefine((deny, ctx) => {
    if (deny.path === undefined && deny.query === undefined && deny.headers === undefined) {
      ctx.addIssue({ code: 'custom', message: "a deny rule needs 'path', 'query' or 'headers'" });
    }
  })
  .transform((deny) => ({
    path: deny.path ?? [],
    query: deny.query ?? [],
    headers: Object.fromEntries(Object.entries(deny.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    status: deny.status,
  }));

const KINDS = ['rateLimit', 'compress', 'headers', 'rewrite', 'redirect', 'static', 'ipAllow', 'ipDeny', 'access', 'deny'] as const;

/** One named middleware: exactly one of the kinds. The name is added by normalize. */
export const middlewareSchema = z
  .strictObject({
    rateLimit: rateLimitSchema.optional(),
    compress: compressSchema.optional(),
    headers: headersSchema.optional(),
    rewrite: rewriteSchema.optional(),
    redirect: redirectSchema.optional(),
    static: staticSchema.optional(),
    ipAllow: z.array(cidr).min(1).optional(),
    ipDeny: z.array(cidr).min(1).optional(),
    access: accessSchema.optional(),
    deny: denySchema.optional(),
  })
  .superRefine((middleware, ctx) => {
    const kinds = KINDS.filter((kind) => middleware[kind] !== undefined);
    if (kinds.length === 0) ctx.addIssue({ code: 'custom', message: `expected one middleware kind: ${KINDS.join(', ')}` });
    else if (kinds.length > 1) ctx.addIssue({ code: 'custom', path: [kinds[1]!], message: `one kind per middleware: this one is already '${kinds[0]}' (define '${kinds[1]}' under another name)` });
  })
  .transform((m): MiddlewareSpec => {
    if (m.rateLimit) return { kind: 'rateLimit', settings: m.rateLimit };
    if (m.compress) return { kind: 'compress', settings: m.compress };
    if (m.headers) return { kind: 'headers', settings: m.headers };
    if (m.rewrite) return { kind: 'rewrite', settings: m.rewrite };
    if (m.redirect) return { kind: 'redirect', settings: m.redirect };
    if (m.static) {
      const s = m.static;
      return { kind: 'static', settings: { root: s.root, index: s.index === false ? [] : typeof s.index === 'string' ? [s.index] : s.index, maxAge: s.maxAge, immutable: s.immutable } };
    }
    if (m.ipAllow) return { kind: 'access', settings: { allow: m.ipAllow, deny: [] } };
    if (m.ipDeny) return { kind: 'access', settings: { allow: [], deny: m.ipDeny } };
    if (m.access) return { kind: 'access', settings: m.access };
    return { kind: 'deny', settings: m.deny! };
  });
