// The `gslb` section (docs/gslb.md): a DNS zone answered through PowerDNS's remote backend, whose
// names resolve to the addresses of healthy regions, chosen by the client's subnet (geo), by weight
// or by a failover order. Defaults are noted beside each field.
import { isIP } from 'node:net';
import { z } from 'zod';
import { count, cidr, describeValue, duration, hostPort, name } from './values.js';

export const GSLB_POLICIES = ['geo', 'weighted', 'failover'] as const;
export const GSLB_WEIGHT_BY = ['weight', 'capacity'] as const;

const DNS_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?)*$/;

/** A domain name, lower-cased, without the trailing dot. */
const domainName = z
  .string()
  .transform((text) => text.toLowerCase().replace(/\.$/, ''))
  .refine((text) => DNS_NAME.test(text) && text.length <= 253, { error: (issue) => `expected a domain name like "example.com", got ${describeValue(issue.input)}` });

/** A name inside the zone: a relative label or labels ("www", "api.eu"), or "@" for the zone's apex. */
const relativeName = z
  .string()
  .transform((text) => text.toLowerCase())
  .refine((text) => text === '@' || DNS_NAME.test(text), {
    error: (issue) => `expected a name relative to the zone ("www", "api.eu") or "@" for the apex, got ${describeValue(issue.input)}`,
  });

const ipAddress = z.string().refine((text) => isIP(text) !== 0, { error: (issue) => `expected an IPv4 or IPv6 address, got ${describeValue(issue.input)}` });

/** An http(s) URL the check GETs; healthy on 2xx/3xx. */
const checkUrl = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', input: text, message: `expected a URL like "http://192.0.2.10/readyz", got ${describeValue(text)}` });
    return z.NEVER;
  }
  if (url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', input: text, message: `expected an http:// URL (the check speaks plain HTTP), got ${describeValue(text)}` });
    return z.NEVER;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port === '' ? 80 : Number(url.port), path: `${url.pathname}${url.search}`, url: text };
});

const regionCheck = z
  .strictObject({
    url: checkUrl, // required: typically the regional Fulcrum's /readyz
    interval: duration(2_000), // 2s between the end of a probe and the next
    timeout: duration(1_000), // 1s; must be below interval
    fall: count(2, 1), // 2 failures in a row: the region is withdrawn
    rise: count(2, 1), // 2 successes in a row: it is back
  })
  .superRefine((check, ctx) => {
    if (check.timeout >= check.interval) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `timeout (${check.timeout} ms) must be below interval (${check.interval} ms)` });
  });

const region = z.strictObject({
  answer: z.array(ipAddress).min(1, 'expected at least one address to answer'), // A and AAAA records, by family
  clients: z.array(cidr).default([]), // client subnets (ECS, else the resolver's address) that belong to this region
  weight: count(1, 0), // 1: share under policy weighted
  capacity: z.number().positive().optional(), // none: share under weighted with weightBy: capacity (e.g. requests/s the region takes)
  check: regionCheck.optional(), // none: always up
});

const gslbName = z.strictObject({
  policy: z.enum(GSLB_POLICIES).default('geo'), // geo
  regions: z.array(name).min(1).optional(), // gslb.fallback: the regions this name answers, in preference order
  weightBy: z.enum(GSLB_WEIGHT_BY).default('weight'), // weighted only: weight
  ttl: duration(0).unwrap().optional(), // gslb.ttl
});

export const gslbSchema = z
  .strictObject({
    listen: hostPort.default({ host: '127.0.0.1', port: 8053 }), // PowerDNS's remote backend calls http://LISTEN/dns/...
    zone: domainName, // required: the zone delegated to PowerDNS
    ttl: duration(30_000), // 30s: the TTL of every answer (and the SOA minimum: how long resolvers keep a negative answer)
    nameservers: z.array(domainName).min(1).optional(), // [ns1.ZONE]: the NS at the apex; the first is the SOA's primary
    hostmaster: z.string().min(1).optional(), // hostmaster.ZONE: the SOA's mailbox (as a name: hostmaster.example.com)
    regions: z.record(name, region).refine((regions) => Object.keys(regions).length > 0, 'expected at least one region'),
    fallback: z.array(name).min(1).optional(), // the regions in the order they were written: the order of names without `regions`
    names: z.record(relativeName, gslbName).refine((names) => Object.keys(names).length > 0, 'expected at least one name'),
  })
  .superRefine((gslb, ctx) => {
    // region names that do not exist are reported by semantic.ts (from the raw document, even when other keys are wrong)
    const known = Object.keys(gslb.regions);
    for (const [label, spec] of Object.entries(gslb.names)) {
      if (spec.policy === 'weighted' && spec.weightBy === 'capacity') {
        for (const region of spec.regions ?? gslb.fallback ?? known) {
          if (gslb.regions[region] !== undefined && gslb.regions[region].capacity === undefined)
            ctx.addIssue({ code: 'custom', path: ['names', label, 'weightBy'], message: `weightBy: capacity needs a capacity on every region it answers; region '${region}' has none` });
        }
      }
    }
  })
  .transform((gslb) => {
    const order = gslb.fallback ?? Object.keys(gslb.regions);
    return {
      ...gslb,
      nameservers: gslb.nameservers ?? [`ns1.${gslb.zone}`],
      hostmaster: (gslb.hostmaster ?? `hostmaster.${gslb.zone}`).replace(/\.$/, ''),
      fallback: order,
      names: Object.fromEntries(Object.entries(gslb.names).map(([label, spec]) => [label, { ...spec, regions: spec.regions ?? order, ttl: spec.ttl ?? gslb.ttl }])),
    };
  });
