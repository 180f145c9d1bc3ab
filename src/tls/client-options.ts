// TLS from Fulcrum to a service's backends: CA verification, server name, optional client
// certificate. Built once per service config (files read then), not per connection.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ServiceConfig, ServiceTlsConfig } from '../config/types.js';

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

/** What to say at startup about services that accept any backend certificate. */
export function insecureServices(services: Iterable<ServiceConfig>): string[] {
  const names: string[] = [];
  for (const service of services) if (service.tls?.insecureSkipVerify) names.push(service.name);
  return names;
}
