// File paths in a config are relative to the config file's folder, as users expect of
// `certs/api.pem`; the runtime gets them absolute.
import { dirname, resolve } from 'node:path';
import type { ParsedConfig } from './schema.js';
import type { MiddlewareSpec } from './middleware-types.js';

type ParsedListener = ParsedConfig['listeners'][number];
type ParsedService = ParsedConfig['services'][string];

/** The folder relative file paths of a config are resolved against. */
export function configDir(source: string): string {
  return dirname(resolve(source));
}

/** An https listener's certificates, keys and client CA. */
export function listenerWithAbsolutePaths<L extends ParsedListener>(listener: L, baseDir: string): L {
  if (listener.protocol !== 'https') return listener;
  const { tls } = listener;
  return {
    ...listener,
    tls: {
      ...tls,
      certificates: tls.certificates.map(({ cert, key }) => ({ cert: resolve(baseDir, cert), key: resolve(baseDir, key) })),
      ...(tls.clientAuth !== undefined && { clientAuth: { ...tls.clientAuth, ca: resolve(baseDir, tls.clientAuth.ca) } }),
    },
  };
}

/** The CA and client certificate a service's backends are reached with. */
export function serviceWithAbsolutePaths(service: ParsedService, baseDir: string): ParsedService {
  const { tls } = service;
  if (tls === undefined) return service;
  return {
    ...service,
    tls: {
      ...tls,
      ...(tls.ca !== undefined && { ca: resolve(baseDir, tls.ca) }),
      ...(tls.cert !== undefined && { cert: resolve(baseDir, tls.cert) }),
      ...(tls.key !== undefined && { key: resolve(baseDir, tls.key) }),
    },
  };
}

/** A static middleware's root. */
export function middlewareWithAbsolutePaths(spec: MiddlewareSpec, baseDir: string): MiddlewareSpec {
  if (spec.kind !== 'static') return spec;
  return { ...spec, settings: { ...spec.settings, root: resolve(baseDir, spec.settings.root) } };
}
