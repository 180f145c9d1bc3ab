// The public contract: what users write in fulcrum.yaml (or .json). Every object is strict, so a
// misspelled key is an error rather than a silently ignored setting. Parsing applies the defaults
// (noted beside each field) and converts durations to ms, sizes to bytes, addresses to {host, port}.
// Cross-references (a route's service exists, ...) are checked in semantic.ts.
import { z } from 'zod';
import { ACCESS_LOG_FIELDS, ALGORITHMS, LOG_LEVELS, PROTOCOLS, RETRY_CONDITIONS } from './enums.js';
import {
  cidr,
  count,
  duration,
  hashKey,
  hostPattern,
  hostPort,
  method,
  name,
  oneOrMany,
  regexSource,
  size,
  valueMatch,
} from './values.js';
import { listenerHttp2Schema, upstreamProtocolSchema } from './http2-schema.js';
import { middlewareSchema } from './middleware-schema.js';
import { healthCheckSchema, passiveHealthSchema, panicThresholdSchema, slowStartSchema } from './health-schema.js';
import { circuitBreakerSchema, stickySchema } from './l7-schema.js';
import {
  acceptProxyProtocolSchema,
  alpnList,
  l4ListenerFields,
  listenerTlsSchema,
  proxyProtocolSchema,
  redirectToHttpsSchema,
  serviceTlsSchema,
  sniPattern,
} from './transport-schema.js';

/** What the runtime implements today; the others validate but are refused with "not supported yet". */
const SUPPORTED_PROTOCOLS: ReadonlySet<string> = new Set(PROTOCOLS);

const matchSchema = z.strictObject({
  host: oneOrMany(hostPattern, 'a host name').optional(), // exact or *.example.com
  path: z.string().startsWith('/', 'expected a path starting with "/"').optional(),
  pathPrefix: z.string().startsWith('/', 'expected a path prefix starting with "/"').optional(),
  pathRegex: regexSource.optional(),
  method: oneOrMany(method, 'an HTTP method').optional(),
  headers: z
    .record(z.string(), valueMatch)
    .transform((headers) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])))
    .optional(),
  query: z.record(z.string(), valueMatch).optional(),
  cookie: z.record(z.string(), valueMatch).optional(),
  clientIp: oneOrMany(cidr, 'a CIDR').optional(),
  sni: sniPattern.optional(), // tls (passthrough) listeners only: the ClientHello's server name
  alpn: alpnList.optional(), // tls (passthrough) listeners only: one of the offered ALPN protocols
});

const routeSchema = z.strictObject({
  match: matchSchema.default({}), // none: the default route, matches everything
  middlewares: z.array(name).default([]),
  service: name,
});

const limitsSchema = z.strictObject({
  maxHeaderBytes: size(16 * 1024), // 16kb: request line + headers; 431 beyond
  maxUriLength: size(8 * 1024), // 8kb; 414 beyond
  maxHeaders: count(100, 1), // 100 header fields; 431 beyond
  maxBodyBytes: size(100 * 1024 ** 2), // 100mb; 413 beyond; 0 = unlimited
});

const listenerTimeoutsSchema = z.strictObject({
  header: duration(10_000), // 10s for the whole request head (slowloris guard)
  keepAlive: duration(60_000), // 60s idle between two requests on a connection
  clientIdle: duration(60_000), // 60s without a read or write during a request
  idle: duration(600_000), // tcp/tls: 10m without a byte either way closes the connection
  clientHello: duration(5_000), // tls: 5s for the whole ClientHello to arrive
});

const listenerSchema = z.strictObject({
  name,
  address: hostPort,
  protocol: z
    .enum(PROTOCOLS)
    .default('http') // http
    .superRefine((protocol, ctx) => {
      if (!SUPPORTED_PROTOCOLS.has(protocol)) ctx.addIssue({ code: 'custom', message: `protocol '${protocol}' is not supported yet` });
    }),
  routes: z.array(routeSchema).optional(), // http/https: first match wins
  service: name.optional(), // tcp/tls/udp
  tls: listenerTlsSchema.optional(), // https: certificates, versions, client certificates, HSTS
  redirectToHttps: redirectToHttpsSchema.optional(), // http: answer every request with a 301 to https
  acceptProxyProtocol: acceptProxyProtocolSchema.optional(), // none: PROXY headers are not read
  http2: listenerHttp2Schema.optional(), // https: h2 offered by ALPN; http: h2c only when enabled
  ...l4ListenerFields,
  maxConnections: count(10_000), // 10000 concurrent client connections; 0 = unlimited
  limits: limitsSchema.prefault({}),
  timeouts: listenerTimeoutsSchema.prefault({}),
  trustedProxies: z.array(cidr).default([]), // none: X-Forwarded-* from clients is replaced
});

const backendSchema = z.strictObject({
  address: hostPort,
  weight: count(1), // 1; 0 = drain (no new requests)
  maxConnections: count(0), // 0 = unlimited
});

const serviceSchema = z.strictObject({
  algorithm: z.enum(ALGORITHMS).default('round-robin'), // round-robin
  hashKey: hashKey.default('client-ip'), // client-ip: for ip-hash, consistent-hash, maglev
  // 0 = unbounded; e.g. 150 caps a backend at 1.5 x the average in-flight (bounded-load hashing)
  hashBalanceFactor: z
    .number()
    .refine((f) => f === 0 || f >= 100, 'expected 0 (unbounded) or a percentage ≥ 100, e.g. 150')
    .default(0),
  choices: count(2, 1), // 2: power-of-two draws
  backends: z.array(backendSchema).min(1, 'a service needs at least one backend'),
  timeouts: z
    .strictObject({
      connect: duration(5_000), // 5s
      response: duration(30_000), // 30s until the response head
      idle: duration(60_000), // 60s between two reads or writes of a body
      tunnelIdle: duration(300_000), // 5m without a byte either way closes a WebSocket tunnel
    })
    .prefault({}),
  retries: z
    .strictObject({
      attempts: count(2), // 2 extra attempts, on other backends
      on: z.array(z.enum(RETRY_CONDITIONS)).default(['connect-failure']), // [connect-failure]
    })
    .prefault({}),
  keepAlive: z
    .strictObject({
      maxIdle: count(64), // 64 idle sockets per backend
      idleTimeout: duration(4_000), // 4s: below the usual 5s of backends, so we close first
    })
    .prefault({}),
  drainTimeout: duration(30_000), // 30s: in-flight requests of a draining backend finish, then its connections close
  tls: serviceTlsSchema.optional(), // none: plain TCP to the backends
  proxyProtocol: proxyProtocolSchema.optional(), // none; v1 | v2: sent first on every backend connection
  protocol: upstreamProtocolSchema.optional(), // http1; h2: HTTP/2 to the backends (gRPC)
  healthCheck: healthCheckSchema.optional(), // none: every backend counts as healthy (see health-schema.ts)
  passiveHealth: passiveHealthSchema.optional(), // none: no outlier detection
  slowStart: slowStartSchema, // 0: off
  panicThreshold: panicThresholdSchema, // 50 (%); 0 = never
  sticky: stickySchema.optional(), // none; cookie: {...} or clientIp: {...} (see l7-schema.ts)
  circuitBreaker: circuitBreakerSchema.optional(), // none: no limits, never trips
});


export const configSchema = z.strictObject({
  admin: z
    .strictObject({
      address: hostPort.default({ host: '127.0.0.1', port: 9090 }), // 127.0.0.1:9090
      token: z.string().min(1).optional(), // none: the admin API is open to whoever reaches the address
    })
    .prefault({}),
  listeners: z.array(listenerSchema).min(1, 'expected at least one listener'),
  services: z.record(name, serviceSchema).default({}),
  middlewares: z.record(name, middlewareSchema).default({}), // one kind each (middleware-schema.ts); routes name them
  reload: z.strictObject({ watch: z.boolean().default(false) }).prefault({}), // watch: false (SIGHUP and the admin API always reload)
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info'), // info
      // access log: off unless given; destination stdout | stderr | a file path
      access: z
        .strictObject({
          destination: z.string().min(1).default('stdout'),
          fields: z.array(z.enum(ACCESS_LOG_FIELDS)).min(1).default([...ACCESS_LOG_FIELDS]), // all
        })
        .nullable()
        .default(null),
    })
    .prefault({}),
});

export type ParsedConfig = z.output<typeof configSchema>;
