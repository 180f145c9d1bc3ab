// A listener as written: one strict shape per protocol, told apart by `protocol` (http when left
// out). Each lists what that kind of listener takes, what it needs, and why a key of another kind
// is refused on it. docs/l4.md, docs/tls.md and docs/http2-grpc.md explain the settings.
import { z } from 'zod';
import { FORWARDED_PROTOCOLS, type Protocol } from './enums.js';
import { listenerHttp2Schema } from './http2-schema.js';
import { ignored, needed, needs, refused, withoutUnused } from './key-rules.js';
import { httpRouteSchema, tlsRouteSchema } from './route-schema.js';
import { acceptProxyProtocolSchema, listenerTlsSchema, redirectToHttpsSchema, redirectToHttpsValue } from './transport-schema.js';
import { cidr, count, duration, hostPort, listed, name, size } from './values.js';

export const limitsSchema = z.strictObject({
  maxHeaderBytes: size(16 * 1024), // 16kb: request line + headers; 431 beyond
  maxUriLength: size(8 * 1024), // 8kb; 414 beyond
  maxHeaders: count(100, 1), // 100 header fields; 431 beyond
  maxBodyBytes: size(100 * 1024 ** 2), // 100mb; 413 beyond; 0 = unlimited
});

export const listenerTimeoutsSchema = z.strictObject({
  header: duration(10_000), // 10s for the whole request head (slowloris guard)
  handshake: duration(10_000), // https: 10s for the whole TLS handshake, from the accept (or the PROXY header)
  keepAlive: duration(60_000), // 60s idle between two requests on a connection
  clientIdle: duration(60_000), // 60s without a read or write during a request
  idle: duration(600_000), // tcp/tls: 10m without a byte either way closes the connection
  clientHello: duration(5_000), // tls: 5s for the whole ClientHello to arrive
});

/** What every kind of listener takes. */
const common = {
  name,
  address: hostPort,
  maxConnections: count(10_000), // 10000 concurrent client connections; 0 = unlimited
  timeouts: listenerTimeoutsSchema.prefault({}),
};

const udpSettings = {
  sessionTimeout: duration(30_000), // 30s without a datagram either way ends a client's session
  maxSessions: count(10_000, 1), // 10000 client sessions at once; new clients beyond are dropped
  replyTimeout: duration(0), // 0: off; else a datagram the backend leaves unanswered this long ends the session as a failure (passive health)
};

/** What http and https listeners take beyond `common`. */
const routed = (protocol: 'http' | 'https') => ({
  routes: z.array(httpRouteSchema).min(1, `an ${protocol} listener needs at least one route`).optional(), // first match wins
  limits: limitsSchema.prefault({}),
  trustedProxies: z.array(cidr).default([]), // none: X-Forwarded-* from clients is replaced
  http2: listenerHttp2Schema(protocol === 'https').prefault({}), // https: h2 offered by ALPN; http: h2c only when enabled
  acceptProxyProtocol: acceptProxyProtocolSchema.optional(), // none: PROXY headers are not read
});

// The refusals of keys that belong to one kind, on every other kind.
const notForwarded = (protocol: 'http' | 'https') => ({
  service: refused(name, `an ${protocol} listener sends requests through 'routes'; 'service' is for ${listed(FORWARDED_PROTOCOLS, 'and')} listeners`),
});
const notHttps = (protocol: Protocol) => ({
  tls: refused(
    listenerTlsSchema,
    protocol === 'tls'
      ? 'a tls listener passes TLS through without terminating it, so it has no certificates; use protocol: https to terminate'
      : `'tls' is for https listeners (this one is ${protocol})`,
  ),
});
const notHttp = (protocol: Protocol) => ({
  redirectToHttps: refused(redirectToHttpsValue, `'redirectToHttps' is for http listeners (this one is ${protocol})`),
});
const notUdp = (protocol: Protocol) => ({
  sessionTimeout: refused(udpSettings.sessionTimeout.unwrap(), `'sessionTimeout' is for udp listeners (this one is ${protocol})`),
  maxSessions: refused(udpSettings.maxSessions.unwrap(), `'maxSessions' is for udp listeners (this one is ${protocol})`),
  replyTimeout: refused(udpSettings.replyTimeout.unwrap(), `'replyTimeout' is for udp listeners (this one is ${protocol})`),
});
const noRoutes = (protocol: 'tcp' | 'udp') => ({
  routes: refused(z.array(httpRouteSchema), `a ${protocol} listener has no routes; use 'service'`),
});
/** HTTP settings that tcp, tls and udp listeners have always accepted, and never read. */
const httpOnlyIgnored = {
  limits: ignored(limitsSchema),
  trustedProxies: ignored(z.array(cidr)),
  http2: ignored(listenerHttp2Schema(false)),
};

export const httpListenerSchema = z
  .strictObject({
    protocol: z.literal('http').default('http'),
    ...common,
    ...routed('http'),
    redirectToHttps: redirectToHttpsSchema.optional(), // answer every request with a 301 to https (then routes may be left out)
    ...notForwarded('http'),
    ...notHttps('http'),
    ...notUdp('http'),
  })
  .check(needs('routes', "an http listener needs 'routes' (at least one)", (listener) => listener.redirectToHttps !== undefined))
  .transform(({ routes = [], ...listener }) => ({ ...withoutUnused(listener), routes }));

export const httpsListenerSchema = z
  .strictObject({
    protocol: z.literal('https'),
    ...common,
    ...routed('https'),
    tls: listenerTlsSchema.optional(), // certificates, versions, client certificates, HSTS
    ...notForwarded('https'),
    ...notHttp('https'),
    ...notUdp('https'),
  })
  .check(needs('routes', "an https listener needs 'routes' (at least one)"), needs('tls', "an https listener needs 'tls' (its certificates)"))
  .transform(({ routes, tls, ...listener }) => ({ ...withoutUnused(listener), routes: needed(routes), tls: needed(tls) }));

export const tcpListenerSchema = z
  .strictObject({
    protocol: z.literal('tcp'),
    ...common,
    service: name.optional(),
    acceptProxyProtocol: acceptProxyProtocolSchema.optional(), // none: PROXY headers are not read
    ...noRoutes('tcp'),
    ...notHttps('tcp'),
    ...notHttp('tcp'),
    ...notUdp('tcp'),
    ...httpOnlyIgnored,
  })
  .check(needs('service', "a tcp listener needs 'service'"))
  .transform(({ service, ...listener }) => ({ ...withoutUnused(listener), service: needed(service) }));

export const tlsListenerSchema = z
  .strictObject({
    protocol: z.literal('tls'),
    ...common,
    routes: z.array(tlsRouteSchema).optional(), // by the ClientHello's sni/alpn, first match wins; then `service`
    service: name.optional(), // the default, also for clients without SNI
    acceptProxyProtocol: acceptProxyProtocolSchema.optional(), // none: PROXY headers are not read
    ...notHttps('tls'),
    ...notHttp('tls'),
    ...notUdp('tls'),
    ...httpOnlyIgnored,
  })
  .check(needs('service', "a tls listener needs 'service' (or 'routes' by sni/alpn)", (listener) => listener.routes !== undefined))
  .transform(({ routes = [], ...listener }) => ({ ...withoutUnused(listener), routes }));

export const udpListenerSchema = z
  .strictObject({
    protocol: z.literal('udp'),
    ...common,
    service: name.optional(),
    ...udpSettings,
    acceptProxyProtocol: refused(acceptProxyProtocolSchema, 'PROXY protocol is not read on udp listeners'),
    ...noRoutes('udp'),
    ...notHttps('udp'),
    ...notHttp('udp'),
    ...httpOnlyIgnored,
  })
  .check(needs('service', "a udp listener needs 'service'"))
  .transform(({ service, ...listener }) => ({ ...withoutUnused(listener), service: needed(service) }));

/** One shape per protocol, and no shape without its protocol. */
const byProtocol = {
  http: httpListenerSchema,
  https: httpsListenerSchema,
  tcp: tcpListenerSchema,
  tls: tlsListenerSchema,
  udp: udpListenerSchema,
} satisfies { [P in Protocol]: z.ZodType<{ protocol: P }> };

export const listenerSchema = z.discriminatedUnion('protocol', [byProtocol.http, byProtocol.https, byProtocol.tcp, byProtocol.tls, byProtocol.udp]);
