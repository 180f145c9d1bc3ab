// Middlewares normalized: named, static roots made absolute, and each route given its resolved chain
// so that a changed definition reaches (and reloads) every listener whose routes use it.
import { resolve } from 'node:path';
import type { MiddlewareConfig, MiddlewareSpec } from './middleware-types.js';
import type { RouteConfig } from './types.js';

export function middlewareConfig(name: string, spec: MiddlewareSpec, baseDir: string): MiddlewareConfig {
  if (spec.kind === 'static') return { name, kind: 'static', settings: { ...spec.settings, root: resolve(baseDir, spec.settings.root) } };
  return { name, ...spec };
}

/** The route with `chain` filled in (left out when the route has no middlewares). */
export function withChain<R extends { middlewares: string[] }>(route: R, middlewares: ReadonlyMap<string, MiddlewareConfig>): R & Pick<RouteConfig, 'chain'> {
  if (route.middlewares.length === 0) return route;
  // semantic checks made sure every name exists
  return { ...route, chain: route.middlewares.map((name) => middlewares.get(name)!) };
}
