import type { RouteConfig, RouteMatch, ValueMatch } from '../config/types.js';
import { CidrSet } from '../net/cidr.js';
import type { RequestHead } from './h1/request-head.js';
import { cookieValue, queryParam } from './request-values.js';

type Condition = (head: RequestHead, clientIp: string) => boolean;

/** A route compiled once at load: its conditions and where it sends traffic. */
export interface CompiledRoute<T> {
  readonly index: number;
  readonly target: T;
  readonly conditions: readonly Condition[];
}

/**
 * First match wins. Every condition is compiled to a small function at load, so a
 * request only runs the checks its routes actually use.
 */
export class Router<T> {
  private readonly routes: CompiledRoute<T>[];

  constructor(routes: readonly RouteConfig[], resolve: (route: RouteConfig) => T) {
    this.routes = routes.map((route, index) => ({
      index,
      target: resolve(route),
      conditions: compileMatch(route.match),
    }));
  }

  match(head: RequestHead, clientIp: string): CompiledRoute<T> | undefined {
    const routes = this.routes;
    outer: for (let r = 0; r < routes.length; r++) {
      const route = routes[r]!;
      const conditions = route.conditions;
      for (let c = 0; c < conditions.length; c++) if (!conditions[c]!(head, clientIp)) continue outer;
      return route;
    }
    return undefined;
  }
}

export function compileMatch(match: RouteMatch): Condition[] {
  const conditions: Condition[] = [];
  if (match.host && match.host.length > 0) conditions.push(hostCondition(match.host));
  if (match.path !== undefined) {
    const path = match.path;
    conditions.push((head) => head.path === path);
  }
  if (match.pathPrefix !== undefined) {
    const prefix = match.pathPrefix;
    conditions.push((head) => head.path.startsWith(prefix));
  }
  if (match.pathRegex !== undefined) {
    const regex = new RegExp(match.pathRegex);
    conditions.push((head) => regex.test(head.path));
  }
  if (match.method && match.method.length > 0) {
    const methods = new Set(match.method);
    conditions.push((head) => methods.has(head.method));
  }
  for (const [name, expected] of Object.entries(match.headers ?? {})) {
    const test = valueTest(expected);
    conditions.push((head) => test(head.fields.get(name)));
  }
  for (const [name, expected] of Object.entries(match.query ?? {})) {
    const test = valueTest(expected);
    conditions.push((head) => test(queryParam(head.query, name)));
  }
  for (const [name, expected] of Object.entries(match.cookie ?? {})) {
    const test = valueTest(expected);
    conditions.push((head) => test(cookieValue(head.fields.get('cookie'), name)));
  }
  if (match.clientIp && match.clientIp.length > 0) {
    const ranges = new CidrSet(match.clientIp);
    conditions.push((_head, clientIp) => ranges.has(clientIp));
  }
  return conditions;
}

function hostCondition(hosts: readonly string[]): Condition {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const host of hosts) {
    if (host.startsWith('*.'))
      suffixes.push(host.slice(1)); // "*.example.com" -> ".example.com"
    else exact.add(host);
  }
  return (head) => {
    const host = head.host;
    if (exact.has(host)) return true;
    for (let i = 0; i < suffixes.length; i++) if (host.endsWith(suffixes[i]!)) return true;
    return false;
  };
}

function valueTest(expected: ValueMatch): (value: string | undefined) => boolean {
  if ('exact' in expected) {
    const exact = expected.exact;
    return (value) => value === exact;
  }
  if ('regex' in expected) {
    const regex = new RegExp(expected.regex);
    return (value) => value !== undefined && regex.test(value);
  }
  const present = expected.present;
  return (value) => (value !== undefined) === present;
}
