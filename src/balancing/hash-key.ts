// Turns a service's `hashKey` into a function the HTTP layer calls once per request.
// Compiled once at config load, so the per-request work is one branch-free closure call.

/** What the HTTP layer exposes to compute a hash key; header names are lower-case. */
export interface KeySource {
  clientIp: string;
  path: string;
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
  query(name: string): string | undefined;
}

export type HashKeyFunction = (req: KeySource) => string;

const byClientIp: HashKeyFunction = (req) => req.clientIp;
const byPath: HashKeyFunction = (req) => req.path;

/**
 * `client-ip`, `path`, `header:NAME`, `cookie:NAME` or `query:NAME`. A missing or empty
 * header/cookie/query value falls back to the client IP, so such requests still spread.
 */
export function compileHashKey(spec: string): HashKeyFunction {
  const trimmed = spec.trim();
  if (trimmed === 'client-ip') return byClientIp;
  if (trimmed === 'path') return byPath;
  const colon = trimmed.indexOf(':');
  const kind = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const name = colon < 0 ? '' : trimmed.slice(colon + 1).trim();
  if (name === '' && (kind === 'header' || kind === 'cookie' || kind === 'query')) {
    throw new Error(`hashKey '${spec}': ${kind}: needs a name, e.g. ${kind}:session`);
  }
  switch (kind) {
    case 'header': {
      const lower = name.toLowerCase();
      return (req) => req.header(lower) || req.clientIp;
    }
    case 'cookie':
      return (req) => req.cookie(name) || req.clientIp;
    case 'query':
      return (req) => req.query(name) || req.clientIp;
    default:
      throw new Error(`hashKey '${spec}' is not one of client-ip, path, header:NAME, cookie:NAME, query:NAME`);
  }
}
