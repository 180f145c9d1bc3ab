// Checks that need more than one field: references between listeners, routes, services and
// middlewares, and names (listeners, routes, backends) or addresses used twice. (What each kind of listener takes and needs is in
// listener-schema.ts.) They read the raw document (not zod's output) so that they run, and report,
// even when the schema found other errors.
import type { ConfigIssue, PathSegment } from './issues.js';
import { formatHostPort, isLoopback, parseHostPort } from './net.js';
import { didYouMean } from './suggest.js';

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const keysOf = (value: unknown): string[] => (isRecord(value) ? Object.keys(value) : []);

const WILDCARDS = new Set(['0.0.0.0', '::']);

export function checkSemantics(raw: unknown): ConfigIssue[] {
  if (!isRecord(raw)) return [];
  const names = { services: keysOf(raw.services), middlewares: keysOf(raw.middlewares) };
  const issues: ConfigIssue[] = [];
  const report = (path: PathSegment[], message: string) => issues.push({ path, message });

  const listeners = asArray(raw.listeners);
  // a dedicated GSLB node answers DNS and serves no traffic of its own
  if (listeners.length === 0 && raw.gslb === undefined) report(['listeners'], 'expected at least one listener (or a gslb section alone, for a dedicated GSLB node)');
  const seenNames = new Map<string, number>();
  const seenAddresses: Array<{ index: number; host: string; port: number; udp: boolean }> = [];

  listeners.forEach((listener, i) => {
    if (!isRecord(listener)) return;
    const at = (...rest: PathSegment[]) => ['listeners', i, ...rest];

    if (typeof listener.name === 'string') {
      const first = seenNames.get(listener.name);
      if (first !== undefined) report(at('name'), `duplicate listener name '${listener.name}' (also listeners[${first}])`);
      else seenNames.set(listener.name, i);
    }

    if (typeof listener.address === 'string') {
      const parsed = parseHostPort(listener.address);
      const udp = listener.protocol === 'udp';
      if (parsed.ok && parsed.value.port !== 0) {
        const { host, port } = parsed.value;
        const clash = seenAddresses.find((other) => other.port === port && other.udp === udp && (other.host === host || WILDCARDS.has(other.host) || WILDCARDS.has(host)));
        if (clash) report(at('address'), `address ${formatHostPort(parsed.value)} overlaps listeners[${clash.index}] (same port)`);
        else seenAddresses.push({ index: i, host, port, udp });
      }
    }

    checkServiceReference(listener.service, at('service'), names.services, report);
    checkRoutes(asArray(listener.routes), at('routes'), names, report);
  });

  checkAdminToken(raw.admin, report);
  checkGslbRegions(raw.gslb, report);

  for (const [serviceName, service] of Object.entries(isRecord(raw.services) ? raw.services : {})) {
    if (!isRecord(service)) continue;
    checkBackends(asArray(service.backends), ['services', serviceName, 'backends'], report);
    if (asArray(service.backends).length === 0 && service.discovery === undefined) {
      report(['services', serviceName, 'backends'], "a service needs at least one backend, or 'discovery' to find them");
    }
  }
  return issues;
}

type Report = (path: PathSegment[], message: string) => void;

/** An admin API reachable from other machines changes the running balancer: it must ask for a token. */
function checkAdminToken(admin: unknown, report: Report): void {
  if (!isRecord(admin) || typeof admin.address !== 'string' || admin.token !== undefined) return;
  const parsed = parseHostPort(admin.address);
  if (parsed.ok && !isLoopback(parsed.value.host)) {
    report(['admin', 'token'], `the admin API is bound to ${admin.address}, not loopback: set admin.token (clients send "Authorization: Bearer TOKEN")`);
  }
}

/** The regions a gslb name or the fallback order lists exist, once each. */
function checkGslbRegions(gslb: unknown, report: Report): void {
  if (!isRecord(gslb)) return;
  const known = keysOf(gslb.regions);
  const checkList = (list: unknown, path: PathSegment[]) => {
    const seen = new Set<unknown>();
    asArray(list).forEach((region, i) => {
      if (typeof region !== 'string') return;
      if (!known.includes(region)) report([...path, i], `unknown region '${region}'${didYouMean(region, known)}; defined: ${known.join(', ') || 'none'}`);
      else if (seen.has(region)) report([...path, i], `region '${region}' is listed twice`);
      seen.add(region);
    });
  };
  checkList(gslb.fallback, ['gslb', 'fallback']);
  for (const [label, spec] of Object.entries(isRecord(gslb.names) ? gslb.names : {})) {
    if (isRecord(spec)) checkList(spec.regions, ['gslb', 'names', label, 'regions']);
  }
}

function checkServiceReference(service: unknown, path: PathSegment[], services: string[], report: Report): void {
  if (typeof service !== 'string' || services.includes(service)) return;
  const known = services.length > 0 ? `; defined: ${services.join(', ')}` : '; no services are defined';
  report(path, `unknown service '${service}'${didYouMean(service, services)}${known}`);
}

function checkRoutes(routes: unknown[], path: PathSegment[], names: { services: string[]; middlewares: string[] }, report: Report): void {
  let catchAll: number | undefined;
  const seenNames = new Map<string, number>();
  routes.forEach((route, j) => {
    if (!isRecord(route)) return;
    checkUniqueName(route.name, seenNames, j, [...path, j, 'name'], 'route', 'routes', report);
    if (catchAll !== undefined) {
      report([...path, j], `unreachable: routes[${catchAll}] has no match and takes every request; the default route must be last`);
    } else if (route.match === undefined || (isRecord(route.match) && Object.keys(route.match).length === 0)) {
      catchAll = j;
    }
    checkServiceReference(route.service, [...path, j, 'service'], names.services, report);
    asArray(route.middlewares).forEach((middleware, k) => {
      if (typeof middleware === 'string' && !names.middlewares.includes(middleware)) {
        report([...path, j, 'middlewares', k], `unknown middleware '${middleware}'${didYouMean(middleware, names.middlewares)}`);
      }
    });
  });
}

function checkBackends(backends: unknown[], path: PathSegment[], report: Report): void {
  const seen = new Map<string, number>();
  const seenNames = new Map<string, number>();
  backends.forEach((backend, k) => {
    if (!isRecord(backend)) return;
    checkUniqueName(backend.name, seenNames, k, [...path, k, 'name'], 'backend', 'backends', report);
    if (typeof backend.address !== 'string') return;
    const parsed = parseHostPort(backend.address);
    if (!parsed.ok) return;
    const canonical = formatHostPort(parsed.value);
    const first = seen.get(canonical);
    if (first !== undefined) report([...path, k, 'address'], `duplicate backend ${canonical} (also backends[${first}])`);
    else seen.set(canonical, k);
  });
}

/** Route names are unique in their listener, backend names in their service: they label metrics and address admin calls. */
function checkUniqueName(name: unknown, seen: Map<string, number>, index: number, path: PathSegment[], what: string, list: string, report: Report): void {
  if (typeof name !== 'string') return;
  const first = seen.get(name);
  if (first !== undefined) report(path, `duplicate ${what} name '${name}' (also ${list}[${first}])`);
  else seen.set(name, index);
}
