// Every closed set of names in the config contract, written once. The schema accepts exactly these,
// the runtime types are derived from them, and code that lists them (the balancing registry, the
// CLI, messages) reads them from here.

/** Listeners that route HTTP requests; a redirect's `scheme` is one of these too. */
export const ROUTED_PROTOCOLS = ['http', 'https'] as const;
/** Listeners that forward connections or datagrams to one service (tls: chosen by SNI/ALPN). */
export const FORWARDED_PROTOCOLS = ['tcp', 'tls', 'udp'] as const;
export const PROTOCOLS = [...ROUTED_PROTOCOLS, ...FORWARDED_PROTOCOLS] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'least-requests',
  'least-response-time',
  'random',
  'power-of-two',
  'ip-hash',
  'consistent-hash',
  'maglev',
  'resource',
] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];
/** A service without `algorithm`: smooth weighted round robin, as nginx and HAProxy weight by default (equal weights: plain rotation). */
export const DEFAULT_ALGORITHM: AlgorithmName = 'weighted-round-robin';
/** The algorithms that never read `weight` (docs/algorithms.md): `fulcrum check` warns when weights differ under them. */
export const WEIGHT_BLIND_ALGORITHMS: readonly AlgorithmName[] = ['round-robin'];

/** What a service's `hashKey` may be; NAME is a header, cookie or query parameter name. */
export const HASH_KEYS = ['client-ip', 'header:NAME', 'cookie:NAME', 'query:NAME', 'path'] as const;
/** What a rate limit counts by; NAME is a header name. */
export const RATE_LIMIT_KEYS = ['client-ip', 'route', 'header:NAME'] as const;

export const RETRY_CONDITIONS = ['connect-failure', 'timeout', '5xx'] as const;
export type RetryCondition = (typeof RETRY_CONDITIONS)[number];

/** How Fulcrum speaks to a service's backends: HTTP/1.1 (pooled keep-alive) or HTTP/2 (multiplexed, trailers relayed: gRPC). */
export const UPSTREAM_PROTOCOLS = ['http1', 'h2'] as const;
export type UpstreamProtocol = (typeof UPSTREAM_PROTOCOLS)[number];

export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export const PROXY_PROTOCOL_VERSIONS = ['v1', 'v2'] as const;
export type ProxyProtocolVersion = (typeof PROXY_PROTOCOL_VERSIONS)[number];

export const HEALTH_CHECK_TYPES = ['tcp', 'http', 'tls', 'grpc', 'dns'] as const;
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];
/** Before its first result a backend is treated as healthy, or waits (unhealthy). */
export const HEALTH_INITIAL_STATES = ['healthy', 'unhealthy'] as const;

export const SAME_SITE_VALUES = ['Lax', 'Strict', 'None'] as const;

export const COMPRESS_ALGORITHMS = ['br', 'gzip'] as const;
export type CompressAlgorithm = (typeof COMPRESS_ALGORITHMS)[number];

export const REDIRECT_STATUSES = [301, 302, 307, 308] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export const ACCESS_LOG_FIELDS = [
  'time',
  'listener',
  'route',
  'service',
  'backend',
  'clientIp',
  'method',
  'host',
  'path',
  'protocol',
  'status',
  'durationMs',
  'bytesIn',
  'bytesOut',
  'requestId',
  'userAgent',
  'referer',
  'query',
  'reason',
  'connectMs',
  'responseMs',
  'retries',
  'tlsVersion',
  'sni',
  'clientCertSubject',
] as const;
export type AccessLogField = (typeof ACCESS_LOG_FIELDS)[number];

/** What a service's DNS discovery asks for: addresses (A, AAAA) or services with ports and weights (SRV). */
export const DISCOVERY_RECORD_TYPES = ['A', 'AAAA', 'SRV'] as const;
export type DiscoveryRecordType = (typeof DISCOVERY_RECORD_TYPES)[number];
/** Query types a dns health check may ask. */
export const DNS_CHECK_QTYPES = ['A', 'AAAA', 'SRV', 'TXT', 'NS', 'SOA', 'CNAME', 'MX', 'PTR'] as const;
export const DNS_CHECK_RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const;
export const DNS_TRANSPORTS = ['udp', 'tcp'] as const;
