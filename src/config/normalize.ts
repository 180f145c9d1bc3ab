// From the schema's output to the FulcrumConfig the runtime reads: named maps instead of records.
import type { ParsedConfig } from './schema.js';
import { configDir, listenerTransport, serviceTransport } from './transport-normalize.js';
import type { FulcrumConfig, ListenerConfig, ServiceConfig } from './types.js';

export function toFulcrumConfig(parsed: ParsedConfig, source: string): FulcrumConfig {
  const baseDir = configDir(source);
  const listeners: ListenerConfig[] = parsed.listeners.map((listener) => ({
    name: listener.name,
    address: listener.address,
    protocol: listener.protocol,
    routes: listener.routes ?? [],
    ...(listener.service !== undefined && { service: listener.service }),
    maxConnections: listener.maxConnections,
    limits: listener.limits,
    timeouts: listener.timeouts,
    trustedProxies: listener.trustedProxies,
    ...listenerTransport(listener, baseDir),
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
        ...(service.healthCheck !== undefined && { healthCheck: service.healthCheck }),
        ...(service.passiveHealth !== undefined && { passiveHealth: service.passiveHealth }),
        slowStart: service.slowStart,
        panicThreshold: service.panicThreshold,
        drainTimeout: service.drainTimeout,
      },
    ]),
  );
  return {
    source,
    admin: parsed.admin,
    listeners,
    services,
    middlewares: new Map(Object.entries(parsed.middlewares)),
    reload: parsed.reload,
    log: parsed.log,
  };
}
