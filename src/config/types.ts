// The configuration as the runtime reads it, derived from the schema: what parsing produces (defaults
// applied, durations in ms, sizes in bytes, addresses as host and port), with services and middlewares
// in Maps keyed by name, file paths made absolute and each route's middlewares resolved (normalize.ts).
// The YAML/JSON a user writes is described by schema.ts and the files it names.
import type { z } from 'zod';
import type { Protocol } from './enums.js';
import type { gslbSchema } from './gslb-schema.js';
import type { dnsDiscoverySchema } from './discovery-schema.js';
import type { healthCheckSchema, passiveHealthSchema } from './health-schema.js';
import type { listenerHttp2Schema } from './http2-schema.js';
import type { circuitBreakerSchema, stickySchema } from './l7-schema.js';
import type { httpListenerSchema, httpsListenerSchema, limitsSchema, listenerTimeoutsSchema, tcpListenerSchema, tlsListenerSchema, udpListenerSchema } from './listener-schema.js';
import type { MiddlewareConfig } from './middleware-types.js';
import type { httpMatchSchema, httpRouteSchema, tlsMatchSchema, tlsRouteSchema } from './route-schema.js';
import type { RouteSettings } from './route-settings.js';
import type { ParsedConfig } from './schema.js';
import type { stateSchema } from './state-schema.js';
import type { backendSchema, keepAliveSchema, retryPolicySchema, serviceSchema, serviceTimeoutsSchema } from './service-schema.js';
import type { listenerTlsSchema, serviceTlsSchema } from './transport-schema.js';
import type { valueMatch } from './values.js';

export { ACCESS_LOG_FIELDS, ALGORITHMS } from './enums.js';
export type {
  AccessLogField,
  AlgorithmName,
  HealthCheckType,
  LogLevel,
  Protocol,
  ProxyProtocolVersion,
  RetryCondition,
  UpstreamProtocol,
} from './enums.js';
export type { HostPort } from './net.js';

/** A header/query/cookie condition: exact value, a regex, or mere presence. */
export type ValueMatch = z.output<typeof valueMatch>;
/** Hosts and header names lower-cased, methods upper-cased; {} matches everything. */
export type RouteMatch = z.output<typeof httpMatchSchema>;
export type RouteConfig = z.output<typeof httpRouteSchema> & {
  /** the named middlewares resolved, in order (normalize fills it; a changed definition changes the route) */
  chain?: MiddlewareConfig[];
  /** the effective timeouts and body limit (normalize fills it; the service's or listener's where the route sets none) */
  settings?: RouteSettings;
};
/** A tls (passthrough) listener's condition on the ClientHello: SNI exact or `*.example.com` (lower-cased), any ALPN offered. */
export type TlsRouteMatch = z.output<typeof tlsMatchSchema>;
export type TlsRouteConfig = z.output<typeof tlsRouteSchema>;

export type HttpLimits = z.output<typeof limitsSchema>;
/** In ms. */
export type ListenerTimeouts = z.output<typeof listenerTimeoutsSchema>;
/** TLS of an https listener; file paths are absolute. */
export type ListenerTlsConfig = z.output<typeof listenerTlsSchema>;
/** HTTP/2 from clients (docs/http2-grpc.md): over TLS by ALPN, or h2c with prior knowledge on plain listeners. */
export type ListenerHttp2Config = z.output<ReturnType<typeof listenerHttp2Schema>>;

type WithChains<L extends { routes: unknown }> = Omit<L, 'routes'> & { routes: RouteConfig[] };
export type HttpListenerConfig = WithChains<z.output<typeof httpListenerSchema>>;
export type HttpsListenerConfig = WithChains<z.output<typeof httpsListenerSchema>>;
export type TcpListenerConfig = z.output<typeof tcpListenerSchema>;
export type TlsListenerConfig = z.output<typeof tlsListenerSchema>;
export type UdpListenerConfig = z.output<typeof udpListenerSchema>;
/** A listener of one protocol: narrow on `protocol` to read what that kind has. */
export type ListenerConfig = HttpListenerConfig | HttpsListenerConfig | TcpListenerConfig | TlsListenerConfig | UdpListenerConfig;
export type ListenerOf<P extends Protocol> = Extract<ListenerConfig, { protocol: P }>;
/** The listeners that route HTTP requests (served by one HttpListener). */
export type RoutedListenerConfig = ListenerOf<'http' | 'https'>;

export type BackendConfig = z.output<typeof backendSchema>;
/** In ms. */
export type ServiceTimeouts = z.output<typeof serviceTimeoutsSchema>;
export type RetryPolicy = z.output<typeof retryPolicySchema>;
export type UpstreamKeepAlive = z.output<typeof keepAliveSchema>;
/** TLS from Fulcrum to a service's backends; file paths are absolute. */
export type ServiceTlsConfig = z.output<typeof serviceTlsSchema>;
/** Active health checks (docs/health.md). Times in ms. */
export type HealthCheckConfig = z.output<typeof healthCheckSchema>;
/** Outlier detection from real traffic (docs/health.md). Times in ms. */
export type PassiveHealthConfig = z.output<typeof passiveHealthSchema>;
/** A service's backends from DNS (docs/discovery.md). Times in ms. */
export type DnsDiscoveryConfig = z.output<typeof dnsDiscoverySchema>;
/** Sticky sessions (docs/websocket-sticky-circuit.md). Times in ms. */
export type StickyConfig = z.output<typeof stickySchema>;
/** Where shared state lives (docs/shared-state.md). Times in ms. */
export type StateConfig = z.output<typeof stateSchema>;
/** Envoy-style limits and an error-ratio / latency breaker per service. Times in ms; 0 = off. */
export type CircuitBreakerConfig = z.output<typeof circuitBreakerSchema>;

type ParsedService = z.output<typeof serviceSchema>;
/** Left out of a config built by hand, they read as their defaults (0: off; 50%). */
type DefaultedByReaders = 'slowStart' | 'panicThreshold';
export type ServiceConfig = { name: string } & Omit<ParsedService, DefaultedByReaders> & Partial<Pick<ParsedService, DefaultedByReaders>>;

export type AdminConfig = ParsedConfig['admin'];
/** The GSLB zone answered through PowerDNS's remote backend (docs/gslb.md). Times in ms. */
export type GslbConfig = z.output<typeof gslbSchema>;
export type ReloadSettings = ParsedConfig['reload'];
/** One JSON line per request / L4 connection, to 'stdout', 'stderr' or a file (appended). */
export type AccessLogConfig = NonNullable<ParsedConfig['log']['access']>;

export interface FulcrumConfig extends Omit<ParsedConfig, 'listeners' | 'services' | 'middlewares'> {
  /** the file this was loaded from, for messages */
  source: string;
  listeners: ListenerConfig[];
  services: Map<string, ServiceConfig>;
  middlewares: Map<string, MiddlewareConfig>;
}
