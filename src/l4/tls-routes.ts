// Routes of a tls (passthrough) listener: first match on the ClientHello's SNI (exact or
// `*.example.com`) and ALPN (any offered), then `service` as the default.
import type { TlsRouteConfig } from '../config/types.js';
import type { Service } from '../pool/service.js';

interface TlsRoute {
  exact: Set<string>;
  /** `.example.com` for `*.example.com`: one label in front, as certificates read wildcards */
  suffixes: string[];
  anyName: boolean;
  alpn: string[] | null;
  service: Service;
}

export class TlsRouter {
  private readonly routes: TlsRoute[];

  constructor(routes: readonly TlsRouteConfig[], fallback: Service | undefined, resolve: (name: string) => Service) {
    this.routes = routes.map((route) => {
      const names = route.match.sni ?? [];
      return {
        exact: new Set(names.filter((n) => !n.startsWith('*.'))),
        suffixes: names.filter((n) => n.startsWith('*.')).map((n) => n.slice(1)),
        anyName: names.length === 0,
        alpn: route.match.alpn ?? null,
        service: resolve(route.service),
      };
    });
    if (fallback !== undefined) this.routes.push({ exact: new Set(), suffixes: [], anyName: true, alpn: null, service: fallback });
  }

  match(sni: string | null, alpn: readonly string[]): Service | undefined {
    for (const route of this.routes) {
      if (!route.anyName && (sni === null || !matchesName(route, sni))) continue;
      if (route.alpn !== null && !route.alpn.some((p) => alpn.includes(p))) continue;
      return route.service;
    }
    return undefined;
  }
}

function matchesName(route: TlsRoute, sni: string): boolean {
  if (route.exact.has(sni)) return true;
  const dot = sni.indexOf('.');
  return dot > 0 && route.suffixes.includes(sni.slice(dot));
}
