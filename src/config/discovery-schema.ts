// `discovery` of a service: backends taken from DNS (docs/discovery.md), beside or instead of
// `backends`. Times in ms once parsed.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DISCOVERY_RECORD_TYPES } from './enums.js';
import { duration, hostPort } from './values.js';

const DNS_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

export const dnsNameSchema = z.string().regex(DNS_NAME, 'expected a DNS name like "api.internal" or "_http._tcp.api.internal"');

/** A DNS server is asked by its IP address: a name would need a resolver of its own. */
const resolverAddress = hostPort.refine((address) => isIP(address.host) !== 0, { error: 'expected a resolver "IP:port" like "127.0.0.1:53" or "[::1]:53"' });

export const dnsDiscoverySchema = z
  .strictObject({
    name: dnsNameSchema,
    type: z.enum(DISCOVERY_RECORD_TYPES).default('A'), // A; AAAA; SRV (ports and weights from the records)
    port: z.number().int().min(1).max(65535).optional(), // A/AAAA: required; SRV: none (the records give it)
    resolvers: z.array(resolverAddress).min(1, 'expected at least one resolver "host:port"; leave resolvers out for the system ones').optional(), // none: /etc/resolv.conf's name servers
    refresh: duration(10_000), // 10s: the longest wait between two resolutions (a shorter TTL resolves sooner, never below 1s)
    timeout: duration(2_000), // 2s per query try; two tries per resolver
    hold: z
      .strictObject({
        nx: duration(30_000), // 30s: NXDOMAIN or an empty answer keeps the last good set this long, then empties it
        error: duration(300_000), // 5m: SERVFAIL, refused or timeout keep the last good set this long, then empty it
      })
      .prefault({}),
  })
  .superRefine((dns, ctx) => {
    if (dns.type === 'SRV' && dns.port !== undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'SRV records give the port: leave port out' });
    if (dns.type !== 'SRV' && dns.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: `an ${dns.type} record has no port: set port (1-65535)` });
    if (dns.timeout >= dns.refresh) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `timeout (${dns.timeout} ms) must be below refresh (${dns.refresh} ms)` });
  });

export const discoverySchema = z.strictObject({
  dns: dnsDiscoverySchema,
});
