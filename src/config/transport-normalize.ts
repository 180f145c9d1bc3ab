// Transport settings of the parsed config, normalized: certificate and CA paths made absolute
// (relative to the config file's folder, as users expect of `certs/api.pem`), absent options left out.
import { dirname, resolve } from 'node:path';
import type { ParsedConfig } from './schema.js';
import type { ListenerConfig, ServiceConfig } from './types.js';

type ParsedListener = ParsedConfig['listeners'][number];
type ParsedService = ParsedConfig['services'][string];

/** The folder relative file paths of a config are resolved against. */
export function configDir(source: string): string {
  return dirname(resolve(source));
}


type ListenerTransport = Pick<ListenerConfig, 'tls' | 'redirectToHttps' | 'acceptProxyProtocol' | 'sessionTimeout' | 'maxSessions'>;

export function listenerTransport(listener: ParsedListener, baseDir: string): ListenerTransport {
  const out: ListenerTransport = { sessionTimeout: listener.sessionTimeout, maxSessions: listener.maxSessions };
  const tls = listener.tls;
  if (tls !== undefined) {
    out.tls = {
      certificates: tls.certificates.map(({ cert, key }) => ({ cert: resolve(baseDir, cert), key: resolve(baseDir, key) })),
      minVersion: tls.minVersion,
      ...(tls.clientAuth !== undefined && { clientAuth: { ...tls.clientAuth, ca: resolve(baseDir, tls.clientAuth.ca) } }),
      ...(tls.hsts !== undefined && { hsts: tls.hsts }),
    };
  }
  if (listener.redirectToHttps !== undefined) out.redirectToHttps = listener.redirectToHttps;
  if (listener.acceptProxyProtocol !== undefined) out.acceptProxyProtocol = listener.acceptProxyProtocol;
  return out;
}

type ServiceTransport = Pick<ServiceConfig, 'tls' | 'proxyProtocol'>;

export function serviceTransport(service: ParsedService, baseDir: string): ServiceTransport {
  const out: ServiceTransport = {};
  const tls = service.tls;
  if (tls !== undefined) {
    out.tls = {
      insecureSkipVerify: tls.insecureSkipVerify,
      ...(tls.ca !== undefined && { ca: resolve(baseDir, tls.ca) }),
      ...(tls.servername !== undefined && { servername: tls.servername }),
      ...(tls.cert !== undefined && { cert: resolve(baseDir, tls.cert) }),
      ...(tls.key !== undefined && { key: resolve(baseDir, tls.key) }),
    };
  }
  if (service.proxyProtocol !== undefined) out.proxyProtocol = service.proxyProtocol;
  return out;
}
