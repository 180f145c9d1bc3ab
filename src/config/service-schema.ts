// A service as written: its backends, how one is chosen, how requests to them are timed, retried
// and pooled, and (in the files named below) its TLS, health, stickiness and circuit breaker.
import { z } from 'zod';
import { DEFAULT_ALGORITHM, RETRY_CONDITIONS } from './enums.js';
import { upstreamProtocolSchema } from './http2-schema.js';
import { discoverySchema } from './discovery-schema.js';
import { healthCheckSchema, panicThresholdSchema, passiveHealthSchema, slowStartSchema } from './health-schema.js';
import { circuitBreakerSchema, stickySchema } from './l7-schema.js';
import { proxyProtocolSchema, serviceTlsSchema } from './transport-schema.js';
import { count, duration, hashKey, hostPort, name } from './values.js';

export const backendSchema = z.strictObject({
  name: name.optional(), // none: known by its address; unique in the service (metrics, admin API, dashboard, access log)
  address: hostPort,
  weight: count(1), // 1; 0 = drain (no new requests)
  maxConnections: count(0), // 0 = unlimited
});

export const serviceTimeoutsSchema = z.strictObject({
  connect: duration(5_000), // 5s
  response: duration(30_000), // 30s until the first byte of the response head
  idle: duration(60_000), // 60s between two reads or writes of a body
  tunnelIdle: duration(300_000), // 5m without a byte either way closes a WebSocket tunnel
});

export const retryPolicySchema = z.strictObject({
  attempts: count(2), // 2 extra attempts, on other backends
  on: z.array(z.enum(RETRY_CONDITIONS)).default(['connect-failure']), // [connect-failure]
});

export const keepAliveSchema = z.strictObject({
  maxIdle: count(256), // 256 idle sockets per backend: room for a burst of in-flight requests to go back to the pool instead of being closed and reopened (HAProxy pools without a cap; the idle timeout bounds them)
  idleTimeout: duration(4_000), // 4s: below the usual 5s of backends, so we close first
});

export const serviceSchema = z.strictObject({
  algorithm: z.string().default(DEFAULT_ALGORITHM), // weighted-round-robin: honours weight, slow start and admin re-weights; one of ALGORITHMS or a registered name (checked in extensions.ts)
  hashKey: hashKey.default('client-ip'), // client-ip: for ip-hash, consistent-hash, maglev
  // 0 = unbounded; e.g. 150 caps a backend at 1.5 x the average in-flight (bounded-load hashing)
  hashBalanceFactor: z
    .number()
    .refine((f) => f === 0 || f >= 100, 'expected 0 (unbounded) or a percentage ≥ 100, e.g. 150')
    .default(0),
  choices: count(2, 1), // 2: power-of-two draws
  backends: z.array(backendSchema).default([]), // none: then discovery must give them (a service needs one or the other)
  discovery: discoverySchema.optional(), // none; dns: {...}: backends from DNS as well (docs/discovery.md)
  timeouts: serviceTimeoutsSchema.prefault({}),
  retries: retryPolicySchema.prefault({}),
  keepAlive: keepAliveSchema.prefault({}),
  drainTimeout: duration(30_000), // 30s: in-flight requests of a draining backend finish, then its connections close
  tls: serviceTlsSchema.optional(), // none: plain TCP to the backends
  proxyProtocol: proxyProtocolSchema.optional(), // none; v1 | v2: sent first on every backend connection
  protocol: upstreamProtocolSchema.optional(), // http1; h2: HTTP/2 to the backends (gRPC)
  healthCheck: healthCheckSchema.optional(), // none: every backend counts as healthy (see health-schema.ts)
  passiveHealth: passiveHealthSchema.optional(), // none: no outlier detection
  slowStart: slowStartSchema, // 0: off; ms over which a new or recovered backend ramps to its full weight
  panicThreshold: panicThresholdSchema, // 50 (%) of healthy backends below which health is ignored; 0 = never
  sticky: stickySchema.optional(), // none; cookie: {...} or clientIp: {...} (see l7-schema.ts)
  circuitBreaker: circuitBreakerSchema.optional(), // none: no limits, never trips
});
