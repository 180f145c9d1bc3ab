// The effective configuration as a user would write it (`fulcrum check --print`, GET /api/v1/config):
// every default filled in, durations as "5s"/"250ms", sizes as "16kb", addresses as host:port, the
// Maps as objects, and what parsing reshaped (sticky, health checks, middlewares) written back in
// the shape the schema reads. It loads again to the same config (test/config/print.test.ts).
// Secrets are never printed: the admin token reads REDACTED; TLS keys are files, printed by path.
import { formatHostPort } from './net.js';
import { DURATION_KEYS, formatDuration, formatSize, SIZE_KEYS } from './print-values.js';
import type { FulcrumConfig, GslbConfig, HealthCheckConfig, ListenerConfig, RouteConfig, ServiceConfig, StickyConfig, ValueMatch } from './types.js';
import type { HeaderOps, MiddlewareConfig } from './middleware-types.js';

/** What the admin token prints as. */
export const REDACTED = '<redacted>';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function printableConfig(config: FulcrumConfig): JsonObject {
  const { admin, listeners, services, middlewares, reload, log, state } = config;
  return {
    admin: plain({ ...admin, ...(admin.token !== undefined && { token: REDACTED }) }),
    listeners: listeners.map(printListener),
    services: Object.fromEntries([...services.values()].map((service) => [service.name, printService(service)])),
    middlewares: Object.fromEntries([...middlewares.values()].map((middleware) => [middleware.name, printMiddleware(middleware)])),
    reload: plain(reload),
    log: plain(log),
    ...(state !== undefined && { state: plain({ ...state, url: redactUrlPassword(state.url) }) }),
    ...(config.gslb !== undefined && { gslb: printGslb(config.gslb) }),
  };
}

/** A region's check URL as written (parsing splits it into host, port and path). */
function printGslb(gslb: GslbConfig): JsonObject {
  const regions = Object.fromEntries(
    Object.entries(gslb.regions).map(([name, { check, ...region }]) => [
      name,
      { ...(plain(region) as JsonObject), ...(check !== undefined && { check: plain({ ...check, url: check.url.url }) }) },
    ]),
  );
  return { ...(plain(gslb) as JsonObject), regions };
}

/** redis://user:secret@host -> redis://user:<redacted>@host */
function redactUrlPassword(url: string): string {
  const parsed = URL.parse(url);
  if (parsed === null || parsed.password === '') return url;
  parsed.password = REDACTED;
  return parsed.toString();
}

function printListener(listener: ListenerConfig): JsonObject {
  if (listener.protocol !== 'http' && listener.protocol !== 'https') return plain(listener) as JsonObject;
  const { routes, ...rest } = listener;
  // a redirectToHttps listener may have none, written by leaving them out
  return { ...(plain(rest) as JsonObject), ...(routes.length > 0 && { routes: routes.map(printRoute) }) };
}

function printRoute({ chain: _chain, settings: _settings, match, ...route }: RouteConfig): JsonObject {
  const printedMatch: JsonObject = {};
  for (const [key, value] of Object.entries(match)) {
    printedMatch[key] = key === 'headers' || key === 'query' || key === 'cookie' ? printValueMatches(value as Record<string, ValueMatch>) : plain(value);
  }
  return { match: printedMatch, ...(plain(route) as JsonObject) };
}

function printValueMatches(matches: Record<string, ValueMatch>): JsonObject {
  return Object.fromEntries(Object.entries(matches).map(([name, match]) => [name, 'exact' in match ? match.exact : plain(match)]));
}

function printService({ name: _name, sticky, healthCheck, ...service }: ServiceConfig): JsonObject {
  return {
    ...(plain(service) as JsonObject),
    ...(sticky !== undefined && { sticky: printSticky(sticky) }),
    ...(healthCheck !== undefined && { healthCheck: printHealthCheck(healthCheck) }),
  };
}

function printSticky(sticky: StickyConfig): JsonObject {
  const { kind, ...settings } = sticky;
  return { [kind]: plain(settings) };
}

/** The http-only fields only on http checks (parsing fills them in for every type); grpcService as `service`. */
function printHealthCheck(check: HealthCheckConfig): JsonObject {
  const { method, path, host, expectStatus, bodyRegex, grpcService, ...common } = check;
  const printed = plain(common) as JsonObject;
  if (check.type === 'http') {
    Object.assign(printed, plain({ method, path, host, bodyRegex }), { expectStatus: expectStatus.map(([low, high]) => (low === high ? `${low}` : `${low}-${high}`)) });
  }
  if (check.type === 'grpc' && grpcService !== undefined) printed.service = grpcService;
  return printed;
}

/** `{ kind, settings }` back to `{ kind: settings }`, each kind's reshaping undone. */
function printMiddleware(middleware: MiddlewareConfig): JsonObject {
  switch (middleware.kind) {
    case 'rateLimit': {
      const { rate, burst, ...limit } = middleware.settings;
      // rate 0: no token bucket, written by leaving rate (and burst) out
      return { rateLimit: plain(rate === 0 ? limit : { rate, burst, ...limit }) };
    }
    case 'headers': {
      const ops = (side: HeaderOps) => ({ set: Object.fromEntries(side.set), add: Object.fromEntries(side.add), remove: side.remove });
      return { headers: plain({ request: ops(middleware.settings.request), response: ops(middleware.settings.response) }) };
    }
    case 'static': {
      const { index, ...settings } = middleware.settings;
      return { static: plain({ ...settings, index: index.length === 0 ? false : index }) };
    }
    case 'deny': {
      const { path, query, headers, status } = middleware.settings;
      const written = { ...(path.length > 0 && { path }), ...(query.length > 0 && { query }), ...(Object.keys(headers).length > 0 && { headers }), status };
      return { deny: plain(written) };
    }
    default:
      return { [middleware.kind]: plain(middleware.settings) };
  }
}

/** A value as JSON: undefined left out, {host, port} as host:port, durations and sizes with their unit. */
function plain(value: unknown, key = ''): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return DURATION_KEYS.has(key) ? formatDuration(value) : SIZE_KEYS.has(key) ? formatSize(value) : value;
  if (Array.isArray(value)) return value.map((item) => plain(item));
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), plain(v)]));
  if (typeof value === 'object') {
    if (isHostPort(value)) return formatHostPort(value);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v, k);
    return out;
  }
  return null;
}

function isHostPort(value: object): value is { host: string; port: number } {
  const keys = Object.keys(value);
  return keys.length === 2 && typeof (value as { host?: unknown }).host === 'string' && typeof (value as { port?: unknown }).port === 'number';
}
