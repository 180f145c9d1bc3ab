// TLS from Fulcrum to a service's backends: CA verification, server name, optional client
// certificate. Built once per service config (files read then), not per connection.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ListenerConfig, ServiceConfig, ServiceTlsConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';

const built = new WeakMap<ServiceTlsConfig, ConnectionOptions>();

/** The options for tls.connect to `host` (a backend's host) under this service config. */
export function backendTlsOptions(config: ServiceTlsConfig, host: string): ConnectionOptions {
  let base = built.get(config);
  if (base === undefined) {
    base = {
      ALPNProtocols: ['http/1.1'],
      minVersion: 'TLSv1.2',
      rejectUnauthorized: !config.insecureSkipVerify,
      ...(config.ca !== undefined && { ca: readFileSync(config.ca) }),
      ...(config.cert !== undefined && { cert: readFileSync(config.cert) }),
      ...(config.key !== undefined && { key: readFileSync(config.key) }),
    };
    built.set(config, base);
  }
  // SNI is a host name, never an IP address (RFC 6066 3); the certificate is still checked against the IP
  const servername = config.servername ?? (isIP(host) === 0 ? host : undefined);
  return servername === undefined ? base : { ...base, servername };
}

const warned = new WeakSet<ServiceConfig>();

/** Said loudly, once per service config, when a listener starts sending traffic to it. */
export function warnInsecureBackends(listener: ListenerConfig, services: ReadonlyMap<string, { config: ServiceConfig }>, logger: Logger): void {
  const names = new Set<string>('routes' in listener ? listener.routes.map((r) => r.service) : []);
  if ('service' in listener && listener.service !== undefined) names.add(listener.service);
  for (const name of names) {
    const config = services.get(name)?.config;
    if (config?.tls?.insecureSkipVerify !== true || warned.has(config)) continue;
    warned.add(config);
    logger.warn(
      { service: name, listener: listener.name },
      `INSECURE: service '${name}' has tls.insecureSkipVerify: true — backend certificates are NOT verified; anyone on the path can impersonate its backends`,
    );
  }
}
