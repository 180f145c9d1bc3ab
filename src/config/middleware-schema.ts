// The `middlewares:` map: one named middleware per entry, each of exactly one kind. Strict objects
// with their defaults beside each field; docs/middlewares.md explains them.
import { z } from 'zod';
import { COMPRESS_ALGORITHMS, RATE_LIMIT_KEYS, REDIRECT_STATUSES, ROUTED_PROTOCOLS } from './enums.js';
import { needed } from './key-rules.js';
import { cidr, count, describeValue, duration, formsPattern, listed, lowerCaseKeys, regexSource, size } from './values.js';

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
  .transform((ops) => ({ set: Object.entries(ops.set), add: Object.entries(ops.add), remove: ops.remove })) // names as written, matched case-insensitively
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
    burst: z
      .number({ error: (issue) => `expected a whole number ≥ 1, got ${describeValue(issue.input)}` })
      .int()
      .min(1)
      .optional(), // = rate rounded up (one second's worth)
    key: rateLimitKey.default('client-ip'), // client-ip; header:NAME falls back to the client IP when absent
    maxConnectionsPerClient: count(0), // 0: no cap on concurrent connections per client
  })
  .superRefine((limit, ctx) => {
    if (limit.rate === undefined && limit.maxConnectionsPerClient === 0) {
      ctx.addIssue({ code: 'custom', message: "a rateLimit needs 'rate' (like 100/s), 'maxConnectionsPerClient', or both" });
    }
    if (limit.rate === undefined && limit.burst !== undefined) ctx.addIssue({ code: 'custom', path: ['burst'], message: "'burst' needs 'rate'" });
  })
  // tokens per second (0: no token bucket, only the connection cap); burst: requests allowed at once after an idle period
  .transform(({ rate, burst, ...limit }) => ({
    ...limit,
    rate: rate ?? 0,
    burst: burst ?? (rate === undefined ? 0 : Math.max(1, Math.ceil(rate))),
  }));

export const DEFAULT_COMPRESS_TYPES = [
  'text/html',
  'text/plain',
  'text/css',
  'text/javascript',
  'text/xml',
  'text/csv',
  'text/markdown',
  'application/json',
  'application/javascript',
  'application/xml',
  'application/xhtml+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/manifest+json',
  'application/wasm',
  'image/svg+xml',
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
  brotliQuality: z
    .number()
    .int()
    .min(4, 'brotli runs at quality 4 or 5 (11 is far too slow for a proxy)')
    .max(5, 'brotli runs at quality 4 or 5 (11 is far too slow for a proxy)')
    .default(4), // 4
});

const headersSchema = z.strictObject({
  request: headerOps, // applied before the request is sent upstream
  response: headerOps, // applied to the response head (backend's or Fulcrum's own)
});

const path = z.string().startsWith('/', 'expected a path starting with "/"');

const rewriteSchema = z.union([z.strictObject({ stripPrefix: path }), z.strictObject({ regex: regexSource, replacement: z.string() })], {
  error: 'expected { stripPrefix: /prefix } or { regex: "...", replacement: "..." }',
});

const redirectSchema = z
  .strictObject({
    status: z.literal(REDIRECT_STATUSES, { error: `expected ${listed(REDIRECT_STATUSES)}` }).default(302), // 302
    to: z.string().min(1).optional(), // a URL template: {scheme} {host} {port} {path}
    scheme: z.enum(ROUTED_PROTOCOLS).optional(), // the request's
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'expected a host name')
      .optional(), // the request's
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
  index: z // files tried for a directory, in order: index.html; false = none (404)
    .union([z.string().min(1), z.array(z.string().min(1)), z.literal(false)])
    .transform((index) => (index === false ? [] : typeof index === 'string' ? [index] : index))
    .default(['index.html']),
  maxAge: duration(0), // 0: no Cache-Control (max-age in ms)
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
type AccessRule = z.output<typeof accessSchema>;

const regexList = z.union([regexSource, z.array(regexSource).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

const denySchema = z
  .strictObject({
    path: regexList.default([]), // matched against the path as sent and percent-decoded
    query: regexList.default([]), // matched against the query as sent and percent-decoded
    headers: z.record(z.string(), regexList).transform(lowerCaseKeys).optional(), // header name -> regex, tested on every value
    status: z.number().int().min(400).max(499).default(403), // 403
  })
  .superRefine((deny, ctx) => {
    // a written list has at least one regex, so an empty one was left out
    if (deny.path.length === 0 && deny.query.length === 0 && deny.headers === undefined) {
      ctx.addIssue({ code: 'custom', message: "a deny rule needs 'path', 'query' or 'headers'" });
    }
  })
  .transform(({ headers = {}, ...deny }) => ({ ...deny, headers }));

/** A middleware registered by a library embedder (`start({ middlewares })`); its name is checked against them at load. */
const customSchema = z.strictObject({
  name: z.string().min(1), // required: the name it was registered under
  options: z.record(z.string(), z.unknown()).default({}), // {}: handed to its factory as they are
});

/** Every kind as written; ipAllow and ipDeny are shorthands of access. */
const kinds = {
  rateLimit: rateLimitSchema,
  compress: compressSchema,
  headers: headersSchema,
  rewrite: rewriteSchema,
  redirect: redirectSchema,
  static: staticSchema,
  ipAllow: z
    .array(cidr)
    .min(1)
    .transform((allow): AccessRule => ({ allow, deny: [] })),
  ipDeny: z
    .array(cidr)
    .min(1)
    .transform((deny): AccessRule => ({ allow: [], deny })),
  access: accessSchema,
  deny: denySchema,
  custom: customSchema,
};
const KINDS = Object.keys(kinds) as Array<keyof typeof kinds>;

const spec = <K extends string, S>(kind: K, settings: S) => ({ kind, settings });

/** One named middleware: exactly one of the kinds. The name is added by normalize. */
export const middlewareSchema = z
  .strictObject({
    rateLimit: kinds.rateLimit.optional(),
    compress: kinds.compress.optional(),
    headers: kinds.headers.optional(),
    rewrite: kinds.rewrite.optional(),
    redirect: kinds.redirect.optional(),
    static: kinds.static.optional(),
    ipAllow: kinds.ipAllow.optional(),
    ipDeny: kinds.ipDeny.optional(),
    access: kinds.access.optional(),
    deny: kinds.deny.optional(),
    custom: kinds.custom.optional(),
  })
  .superRefine((middleware, ctx) => {
    const [first, second] = KINDS.filter((kind) => middleware[kind] !== undefined);
    if (first === undefined) ctx.addIssue({ code: 'custom', message: `expected one middleware kind: ${KINDS.join(', ')}` });
    else if (second !== undefined)
      ctx.addIssue({ code: 'custom', path: [second], message: `one kind per middleware: this one is already '${first}' (define '${second}' under another name)` });
  })
  // exactly one kind, checked above
  .transform((m) => {
    if (m.rateLimit) return spec('rateLimit', m.rateLimit);
    if (m.compress) return spec('compress', m.compress);
    if (m.headers) return spec('headers', m.headers);
    if (m.rewrite) return spec('rewrite', m.rewrite);
    if (m.redirect) return spec('redirect', m.redirect);
    if (m.static) return spec('static', m.static);
    if (m.ipAllow) return spec('access', m.ipAllow);
    if (m.ipDeny) return spec('access', m.ipDeny);
    if (m.access) return spec('access', m.access);
    if (m.custom) return spec('custom', m.custom);
    return spec('deny', needed(m.deny));
  });
