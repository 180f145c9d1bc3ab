// From the schema's output to the FulcrumConfig the runtime reads: named maps instead of records.
import type { ParsedConfig } from './schema.js';
import { configDir, listenerTransport, serviceTransport } from './transport-normalize.js';
import { middlewareConfig, withChain } from './middleware-normalize.js';
import { listenerHttp2Schema } from './http2-schema.js';
import type { FulcrumConfig, ListenerConfig, ListenerHttp2Config, ServiceConfig } from './types.js';

export function toFulcrumConfig(parsed: ParsedConfig, source: string): FulcrumConfig {
  const baseDir = configDir(source);
  const middlewares = new Map(Object.entries(parsed.middlewares).map(([name, spec]) => [name, middlewareConfig(name, spec, baseDir)]));
  const listeners: ListenerConfig[] = parsed.listeners.map((listener) => ({
    name: listener.name,
    address: listener.address,
    protocol: listener.protocol,
    routes: (listener.routes ?? []).map((route) => withChain(route, middlewares)),
    ...(listener.service !== undefined && { service: listener.service }),
    maxConnections: listener.maxConnections,
    limits: listener.limits,
    timeouts: listener.timeouts,
    trustedProxies: listener.trustedProxies,
    ...listenerTransport(listener, baseDir),
    ...listenerHttp2(listener.protocol, listener.http2),
  }));
  const services = new Map<string, ServiceConfig>(
    Object.entries(parsed.services).map(([name, service]) => [
      name,
      {
        name,
        algorithm: service.algorithm,
        hashKey: service.hashKey,
        hashBalanceFactor: service.hashBalanceFactor,
        choices: service.choices,
        backends: service.backends,
        timeouts: service.timeouts,
        retries: service.retries,
        keepAlive: service.keepAlive,
        ...serviceTransport(service, baseDir),
        ...(service.protocol !== undefined && { protocol: service.protocol }),
        ...(service.healthCheck !== undefined && { healthCheck: service.healthCheck }),
        ...(service.passiveHealth !== undefined && { passiveHealth: service.passiveHealth }),
        slowStart: service.slowStart,
        panicThreshold: service.panicThreshold,
        drainTimeout: service.drainTimeout,
        ...(service.sticky !== undefined && { sticky: service.sticky }),
        ...(service.circuitBreaker !== undefined && { circuitBreaker: service.circuitBreaker }),
      },
    ]),
  );
  return {
    source,
    admin: parsed.admin,
    listeners,
    services,
    middlewares,
    reload: parsed.reload,
    log: parsed.log,
  };
}

/** The http2 settings of an http or https listener, with `enabled` defaulted by protocol. */
function listenerHttp2(protocol: string, http2: ParsedConfig['listeners'][number]['http2']): { http2?: ListenerHttp2Config } {
  if (protocol !== 'http' && protocol !== 'https') return {};
  const settings = http2 ?? listenerHttp2Schema.parse({});
  return { http2: { ...settings, enabled: http2?.enabled ?? protocol === 'https' } };
}
