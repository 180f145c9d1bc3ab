// The admin API's endpoints, under /api/v1. Each handler returns [status, body] or throws an AdminError.
import type http from 'node:http';
import type { Fulcrum, ReloadResult } from '../fulcrum.js';
import { addBackend, findBackend, findService, removeBackend, updateBackend } from './changes.js';
import { AdminError, onlyFields, readJsonObject } from './json.js';
import { configView } from './config-view.js';
import { gslbView } from '../gslb/view.js';
import { backendSource, backendView, serviceView } from './views.js';
import { simulateList, simulateRun } from './simulate-routes.js';

export interface AdminContext {
  fulcrum: Fulcrum;
  reload: () => Promise<ReloadResult>;
}

type Params = Record<string, string>;
type Handler = (ctx: AdminContext, params: Params, req: http.IncomingMessage) => Promise<[number, unknown]> | [number, unknown];

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

const PREFIX = '/api/v1';

const routes: Route[] = [
  {
    pattern: /^\/?$/,
    methods: {
      GET: () => [200, { endpoints: ENDPOINTS }],
    },
  },
  {
    pattern: /^\/services\/?$/,
    methods: {
      GET: ({ fulcrum }) => [200, { services: [...fulcrum.services.values()].map((s) => serviceView(fulcrum, s)) }],
    },
  },
  {
    pattern: /^\/services\/(?<service>[^/]+)\/?$/,
    methods: {
      GET: ({ fulcrum }, p) => [200, serviceView(fulcrum, findService(fulcrum, p.service!))],
    },
  },
  {
    pattern: /^\/services\/(?<service>[^/]+)\/backends\/?$/,
    methods: {
      GET: ({ fulcrum }, p) => {
        const service = findService(fulcrum, p.service!);
        return [200, { backends: service.backends.map((b) => backendView(b, fulcrum.drains, undefined, backendSource(fulcrum, service, b))) }];
      },
      POST: async ({ fulcrum }, p, req) => {
        const service = findService(fulcrum, p.service!);
        const body = await readJsonObject(req);
        onlyFields(body, ['name', 'address', 'weight', 'maxConnections']);
        if (body.address === undefined) throw new AdminError(400, `address: required, e.g. {"address": "10.0.0.5:8080", "weight": 1}`);
        const backend = addBackend(fulcrum, service.name, body as { name?: string; address: string; weight?: number; maxConnections?: number });
        return [201, backendView(backend, fulcrum.drains, undefined, backendSource(fulcrum, service, backend))];
      },
    },
  },
  {
    pattern: /^\/services\/(?<service>[^/]+)\/backends\/(?<backend>[^/]+)\/?$/,
    methods: {
      GET: ({ fulcrum }, p) => {
        const service = findService(fulcrum, p.service!);
        const backend = findBackend(service, p.backend!);
        return [200, backendView(backend, fulcrum.drains, undefined, backendSource(fulcrum, service, backend))];
      },
      PATCH: async ({ fulcrum }, p, req) => {
        const service = findService(fulcrum, p.service!);
        findBackend(service, p.backend!);
        const body = await readJsonObject(req);
        onlyFields(body, ['weight', 'drain']);
        const backend = updateBackend(fulcrum, service.name, p.backend!, body as { weight?: number; drain?: boolean });
        return [200, backendView(backend, fulcrum.drains, undefined, backendSource(fulcrum, service, backend))];
      },
      DELETE: ({ fulcrum }, p) => {
        const service = findService(fulcrum, p.service!);
        const backend = removeBackend(fulcrum, service.name, p.backend!);
        // 202: it is draining; it leaves for good once idle or at the drain timeout
        return [202, backendView(backend, fulcrum.drains, undefined, backendSource(fulcrum, service, backend))];
      },
    },
  },
  {
    pattern: /^\/reload\/?$/,
    methods: {
      POST: async ({ reload }) => {
        const result = await reload();
        if (!result.ok) return [422, { error: 'the new configuration was refused; the running one keeps serving', errors: result.errors }];
        return [200, result];
      },
    },
  },
  {
    pattern: /^\/config\/?$/,
    methods: {
      GET: ({ fulcrum }) => [200, configView(fulcrum)],
    },
  },
  {
    pattern: /^\/gslb\/?$/,
    methods: {
      GET: ({ fulcrum }) => {
        if (fulcrum.gslb === null) throw new AdminError(404, 'this config has no gslb section');
        return [200, gslbView(fulcrum.gslb)];
      },
    },
  },
  {
    pattern: /^\/simulate\/?$/,
    methods: { GET: () => [200, simulateList()] },
  },
  {
    pattern: /^\/simulate\/(?<scenario>[^/]+)\/?$/,
    methods: { POST: async (_ctx, p, req) => [200, await simulateRun(p.scenario!, await readJsonObject(req))] },
  },
  {
    pattern: /^\/runtime-changes\/?$/,
    methods: {
      GET: ({ fulcrum }) => [200, { changes: fulcrum.overlay.describe() }],
    },
  },
];

const ENDPOINTS = [
  'GET    /api/v1/services',
  'GET    /api/v1/services/{service}',
  'GET    /api/v1/services/{service}/backends',
  'POST   /api/v1/services/{service}/backends          {"name": "alpha", "address": "host:port", "weight": 1, "maxConnections": 0}',
  'GET    /api/v1/services/{service}/backends/{backend}',
  'PATCH  /api/v1/services/{service}/backends/{backend} {"weight": 3} | {"drain": true}',
  'DELETE /api/v1/services/{service}/backends/{backend}',
  'POST   /api/v1/reload',
  'GET    /api/v1/runtime-changes',
  'GET    /api/v1/config                               the running config, every default filled in (the token redacted)',
  'GET    /api/v1/gslb                                 GSLB regions (health), names (policy, panic, answer now) and answer counts',
  'GET    /api/v1/events                               Server-Sent Events: a live snapshot every second (the dashboard)',
  'GET    /api/v1/simulate                             the built-in simulation scenarios',
  'POST   /api/v1/simulate/{scenario}                  {"seed": 1, "requests": 50000}: run one (bounded), the report and its SVG charts',
];

/** Finds the handler of a request, or throws 404 / 405 (with Allow). */
export function route(method: string, pathname: string): { handler: Handler; params: Params } {
  if (pathname !== PREFIX && !pathname.startsWith(PREFIX + '/')) throw new AdminError(404, `no such endpoint: ${pathname}; the API is under ${PREFIX}`);
  const rest = pathname.slice(PREFIX.length);
  for (const { pattern, methods } of routes) {
    const match = pattern.exec(rest);
    if (match === null) continue;
    const handler = methods[method];
    const allowed = Object.keys(methods).join(', ');
    if (handler === undefined) throw new AdminError(405, `method ${method} not allowed on ${pathname}; allowed: ${allowed}`, { allow: allowed });
    const params: Params = {};
    for (const [name, value] of Object.entries(match.groups ?? {})) {
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        throw new AdminError(400, `malformed percent-encoding in ${JSON.stringify(value)}`);
      }
    }
    return { handler, params };
  }
  throw new AdminError(404, `no such endpoint: ${pathname}; see GET ${PREFIX}`);
}
