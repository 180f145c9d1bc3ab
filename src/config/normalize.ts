// From the schema's output to the FulcrumConfig the runtime reads: services and middlewares named
// and in Maps, file paths absolute, and each route given its resolved middleware chain so that a
// changed definition reaches (and reloads) every listener whose routes use it.
import { needed } from './key-rules.js';
import type { MiddlewareConfig } from './middleware-types.js';
import { configDir, listenerWithAbsolutePaths, middlewareWithAbsolutePaths, serviceWithAbsolutePaths } from './paths.js';
import { resolveRouteSettings } from './route-settings.js';
import type { ParsedConfig } from './schema.js';
import type { FulcrumConfig, ListenerConfig, RouteConfig, ServiceConfig } from './types.js';

type Middlewares = ReadonlyMap<string, MiddlewareConfig>;

export function toFulcrumConfig(parsed: ParsedConfig, source: string): FulcrumConfig {
  const baseDir = configDir(source);
  const middlewares = new Map(Object.entries(parsed.middlewares).map(([name, spec]): [string, MiddlewareConfig] => [name, { name, ...middlewareWithAbsolutePaths(spec, baseDir) }]));
  const services = new Map(Object.entries(parsed.services).map(([name, service]): [string, ServiceConfig] => [name, { name, ...serviceWithAbsolutePaths(service, baseDir) }]));
  const listeners = parsed.listeners.map((listener) => withChains(listenerWithAbsolutePaths(listener, baseDir), middlewares, services));
  return { ...parsed, source, listeners, services, middlewares };
}

function withChains(listener: ParsedConfig['listeners'][number], middlewares: Middlewares, services: ReadonlyMap<string, ServiceConfig>): ListenerConfig {
  if (listener.protocol !== 'http' && listener.protocol !== 'https') return listener;
  const limits = listener.limits;
  return {
    ...listener,
    routes: listener.routes.map((route) => {
      // semantic checks made sure the service exists
      const service = needed(services.get(route.service), `service '${route.service}'`);
      return { ...withChain(route, middlewares), settings: resolveRouteSettings(route, service.timeouts, limits) };
    }),
  };
}

/** The route with `chain` filled in (left out when the route has no middlewares). */
function withChain(route: RouteConfig, middlewares: Middlewares): RouteConfig {
  if (route.middlewares.length === 0) return route;
  // semantic checks made sure every name exists
  return { ...route, chain: route.middlewares.map((name) => needed(middlewares.get(name), `middleware '${name}'`)) };
}
