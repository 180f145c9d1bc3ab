// The normalized configuration: what the schema produces after defaults are applied
// and durations/sizes are converted. Everything at runtime reads these shapes; the
// YAML/JSON a user writes is described by schema.ts.
import type { MiddlewareConfig } from './middleware-types.js';
import type {
  AccessLogField,
  AlgorithmName,
  HealthCheckType,
  LogLevel,
  Protocol,
  ProxyProtocolVersion,
  RetryCondition,
  UpstreamProtocol,
} from './enums.js';

export { ACCESS_LOG_FIELDS, ALGORITHMS } from './enums.js';
export type { AccessLogField, AlgorithmName, HealthCheckType, LogLevel, Protocol, ProxyProtocolVersion, RetryCondition, UpstreamProtocol };

export interface HostPort {
  host: string;
  port: number;
}

/** A header/query/cookie condition: exact value, a regex, or mere presence. */
export type ValueMatch = { exact: string } | { regex: string } | { present: boolean };

export interface RouteMatch {
  host?: string[]; // exact or '*.example.com', lower-cased
  path?: string;
  pathPrefix?: string;
  pathRegex?: string;
  method?: string[]; // upper-cased
  headers?: Record<string, ValueMatch>; // names lower-cased
  query?: Record<string, ValueMatch>;
  cookie?: Record<string, ValueMatch>;
  clientIp?: string[]; // CIDRs or single addresses
  sni?: string[]; // tls listeners: exact or '*.example.com', lower-cased
  alpn?: string[]; // tls listeners: any of these offered
}

export interface RouteConfig {
  match: RouteMatch; // {} matches everything
  service: string;
  middlewares: string[];
  /** the named middlewares resolved, in order (normalize fills it; a changed definition changes the route) */
  chain?: MiddlewareConfig[];
}

export interface HttpLimits {
  maxHeaderBytes: number; // whole request head (request line + headers); 431 beyond
  maxUriLength: number; // request target; 414 beyond
  maxHeaders: number; // header field count; 431 beyond
  maxBodyBytes: number; // 413 beyond; 0 = unlimited
}

export interface ListenerTimeouts {
  header: number; // ms for the whole request head to arrive (slowloris guard): 408
  keepAlive: number; // ms an idle client connection is kept open between requests
  clientIdle: number; // ms without a read or write while a request is in progress
  idle: number; // tcp/tls: ms without a byte either way before the connection is closed
  clientHello: number; // tls: ms for the whole ClientHello to arrive
}

/** TLS of an https listener; file paths are absolute (resolved against the config file's folder). */
export interface ListenerTlsConfig {
  certificates: Array<{ cert: string; key: string }>; // the first is the default
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  clientAuth?: { ca: string; required: boolean; verifyDepth: number };
  hsts?: { maxAge: number; includeSubDomains: boolean; preload: boolean }; // maxAge in ms
}

/** TLS from Fulcrum to a service's backends. */
export interface ServiceTlsConfig {
  ca?: string;
  servername?: string;
  cert?: string;
  key?: string;
  insecureSkipVerify: boolean;
}

/** HTTP/2 from clients (docs/http2-grpc.md): over TLS by ALPN, or h2c with prior knowledge on plain listeners. */
export interface ListenerHttp2Config {
  enabled: boolean; // https: true; http (h2c): false
  maxConcurrentStreams: number; // SETTINGS_MAX_CONCURRENT_STREAMS
  maxHeaderListSize: number; // bytes, SETTINGS_MAX_HEADER_LIST_SIZE
  maxResetsPerWindow: number; // client RST_STREAMs in resetWindow before GOAWAY(ENHANCE_YOUR_CALM)
  resetWindow: number; // ms
}

export interface ListenerConfig {
  name: string;
  address: HostPort;
  protocol: Protocol;
  routes: RouteConfig[]; // http/https
  service?: string; // tcp/tls/udp
  maxConnections: number; // 0 = unlimited
  limits: HttpLimits;
  timeouts: ListenerTimeouts;
  trustedProxies: string[]; // CIDRs whose X-Forwarded-* / Forwarded we keep and extend
  tls?: ListenerTlsConfig; // https
  redirectToHttps?: { port: number }; // http: every request gets a 301 to https on this port
  acceptProxyProtocol?: { trusted: string[] }; // PROXY v1/v2 read from these sources only
  http2?: ListenerHttp2Config; // http/https
  sessionTimeout: number; // udp: ms of silence that ends a client's session
  maxSessions: number; // udp: client sessions at once
}

export interface BackendConfig {
  address: HostPort;
  weight: number; // 0 = drain (no new requests)
  maxConnections: number; // 0 = unlimited
}

export interface ServiceTimeouts {
  connect: number;
  response: number; // until the first byte of the response head
  idle: number; // between two reads of the response body or while sending the request body
  tunnelIdle: number; // ms without a byte either way before a WebSocket tunnel is closed
}

export interface RetryPolicy {
  attempts: number; // extra attempts after the first, on other backends
  on: RetryCondition[];
}

export interface UpstreamKeepAlive {
  maxIdle: number; // idle sockets kept per backend
  idleTimeout: number; // ms an idle pooled socket is kept (below the usual 5 s of backends)
}

/** Active health checks (docs/health.md). Times in ms. */
export interface HealthCheckConfig {
  type: HealthCheckType;
  interval: number;
  timeout: number; // below interval (and downInterval)
  /** interval while the backend is down (faster recovery); defaults to interval */
  downInterval: number;
  /** a random 0..jitter ms added to every interval, so probes of many backends spread out */
  jitter: number;
  healthyThreshold: number; // consecutive successes to go up (rise)
  unhealthyThreshold: number; // consecutive failures to go down (fall)
  /** before its first result a backend is treated as healthy, or waits (unhealthy) */
  initialState: 'healthy' | 'unhealthy';
  /** probe this port instead of the backend's */
  port?: number;
  // http
  method: string;
  path: string;
  host?: string; // Host header; default the backend's host:port
  expectStatus: Array<[number, number]>; // inclusive ranges
  bodyRegex?: string;
  // tls
  sni?: string;
  // grpc: the service name asked of grpc.health.v1.Health/Check ('' = the whole server)
  grpcService?: string;
}

/** Outlier detection from real traffic (docs/health.md). Times in ms. */
export interface PassiveHealthConfig {
  maxFails: number; // consecutive failures that eject
  failTimeout: number; // base ejection time; the n-th ejection lasts n × failTimeout
  on5xx: boolean; // count 5xx responses as failures
  maxEjectionPercent: number; // at most this share of the service ejected at once
  maxEjectionTime: number; // cap of an ejection; also how long without ejection resets the count
}

export interface ServiceConfig {
  name: string;
  algorithm: AlgorithmName;
  hashKey: string; // client-ip | header:NAME | cookie:NAME | query:NAME | path
  hashBalanceFactor: number; // 0 = unbounded; e.g. 150 caps a backend at 1.5 x average in-flight
  choices: number; // power-of-two: how many random draws
  backends: BackendConfig[];
  timeouts: ServiceTimeouts;
  retries: RetryPolicy;
  keepAlive: UpstreamKeepAlive;
  tls?: ServiceTlsConfig; // none: plain TCP to the backends
  proxyProtocol?: ProxyProtocolVersion; // sent first on every backend connection
  protocol?: UpstreamProtocol; // absent = http1
  healthCheck?: HealthCheckConfig;
  passiveHealth?: PassiveHealthConfig;
  /** ms over which a new or recovered backend ramps to its full weight; 0 (default) = off */
  slowStart?: number;
  /** percent of healthy backends below which health is ignored (panic mode); 0 = never; default 50 */
  panicThreshold?: number;
  drainTimeout: number; // ms a draining backend's in-flight requests get before its connections are closed
  sticky?: StickyConfig; // none: every request is balanced
  circuitBreaker?: CircuitBreakerConfig; // none: no limits, never trips
}

/** Sticky sessions (docs/websocket-sticky-circuit.md). Times in ms. */
export type StickyConfig =
  | {
      kind: 'cookie';
      name: string;
      maxAge: number; // 0 = session cookie
      sameSite: 'Lax' | 'Strict' | 'None';
      httpOnly: boolean;
      secure: boolean | 'auto'; // auto: on https listeners
      path: string;
    }
  | { kind: 'clientIp'; ttl: number };

/** Envoy-style limits and an error-ratio / latency breaker per service. Times in ms; 0 = off. */
export interface CircuitBreakerConfig {
  maxConnections: number;
  maxPending: number;
  maxRequests: number;
  errorRatio: number; // 0..1
  minRequests: number;
  window: number;
  latency: number;
  openFor: number;
  halfOpenRequests: number;
}

export interface AdminConfig {
  address: HostPort;
  token?: string;
}

export interface ReloadSettings {
  watch: boolean; // reload when the config file changes
}

export interface FulcrumConfig {
  /** the file this was loaded from, for messages */
  source: string;
  admin: AdminConfig;
  listeners: ListenerConfig[];
  services: Map<string, ServiceConfig>;
  middlewares: Map<string, MiddlewareConfig>;
  reload: ReloadSettings;
  log: {
    level: LogLevel;
    /** one JSON line per request / L4 connection; null = off */
    access: AccessLogConfig | null;
  };
}

export interface AccessLogConfig {
  /** 'stdout', 'stderr' or a file path (appended) */
  destination: string;
  fields: AccessLogField[];
}
