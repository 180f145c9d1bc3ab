// The parts of the contract about transport: TLS on listeners and towards backends, PROXY protocol
// and redirects to https. File paths are checked (exist, parse) in pem-files.ts, which knows the
// config file's folder.
import { z } from 'zod';
import { PROXY_PROTOCOL_VERSIONS, TLS_VERSIONS } from './enums.js';
import { cidr, count, duration, hostPattern } from './values.js';

const certificateSchema = z.strictObject({ cert: z.string().min(1), key: z.string().min(1) });

/** `tls` of an https listener. */
export const listenerTlsSchema = z.strictObject({
  certificates: z.array(certificateSchema).min(1, 'expected at least one certificate'), // chosen by SNI; the first is the default
  minVersion: z.enum(TLS_VERSIONS).default('TLSv1.2'), // TLSv1.2
  clientAuth: z
    .strictObject({
      ca: z.string().min(1), // CA bundle (PEM) that client certificates must chain to
      required: z.boolean().default(true), // true: a client without a certificate is refused
      verifyDepth: count(1, 1), // 1: how many CA certificates may sit above the client's
    })
    .optional(),
  hsts: z
    .strictObject({
      maxAge: duration(365 * 24 * 3_600_000), // 8760h (one year)
      includeSubDomains: z.boolean().default(false),
      preload: z.boolean().default(false),
    })
    .optional(),
});

/** `redirectToHttps` as written: `true` (port 443), `false` (off) or `{ port }`. */
export const redirectToHttpsValue = z.union([z.boolean(), z.strictObject({ port: count(443, 1).refine((p) => p <= 65535, 'expected a port ≤ 65535') })], {
  error: 'expected true or { port: N }',
});

/** `redirectToHttps` of an http listener, as the port to redirect to (none when off). */
export const redirectToHttpsSchema = redirectToHttpsValue.transform((value) => (value === false ? undefined : value === true ? { port: 443 } : value));

/** `acceptProxyProtocol` of a listener: PROXY v1/v2 headers are read from these sources only. */
export const acceptProxyProtocolSchema = z.strictObject({
  trusted: z.array(cidr).min(1, 'expected at least one trusted CIDR'),
});

/** `tls` of a service: connections to its backends are TLS. */
export const serviceTlsSchema = z.strictObject({
  ca: z.string().min(1).optional(), // none: the system's trusted CAs
  servername: hostPattern.optional(), // none: the backend's host when it is a name; also what its certificate is checked against
  cert: z.string().min(1).optional(), // client certificate (mTLS to the backend), with `key`
  key: z.string().min(1).optional(),
  insecureSkipVerify: z.boolean().default(false), // false; true accepts any certificate (logged loudly)
});

export const proxyProtocolSchema = z.enum(PROXY_PROTOCOL_VERSIONS);
