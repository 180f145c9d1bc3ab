// One DNS resolution of a discovery name: the addresses (and, for SRV, ports and weights) it gives
// now, with the shortest TTL seen; or why it gave none. c-ares (node:dns Resolver) does the asking.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsDiscoveryConfig } from '../config/types.js';
import { formatHostPort } from '../config/net.js';

/** One backend as DNS gives it. */
export interface DiscoveredRecord {
  host: string;
  port: number;
  weight: number;
  /** the SRV target (a host name) the address came from; undefined for A/AAAA */
  target?: string;
}

/** How a resolution went, as counted in fulcrum_discovery_resolutions_total{result}. */
export type ResolutionResult = 'ok' | 'empty' | 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'error';

export type Resolution =
  | { result: 'ok'; records: DiscoveredRecord[] /** shortest TTL in seconds; undefined when DNS gave none (SRV without A TTLs) */; ttl: number | undefined }
  | { result: Exclude<ResolutionResult, 'ok'>; reason: string };

/** Kinds of failure: an empty answer and NXDOMAIN are the name's ("nx"), the others the resolver's ("error"). */
export function failureKind(result: Exclude<ResolutionResult, 'ok'>): 'nx' | 'error' {
  return result === 'empty' || result === 'nxdomain' ? 'nx' : 'error';
}

/** The resolver a discovery asks: its own servers, or the system's (/etc/resolv.conf) when none are set. */
export function createResolver(config: DnsDiscoveryConfig): Resolver {
  const resolver = new Resolver({ timeout: config.timeout, tries: 2 });
  if (config.resolvers !== undefined) resolver.setServers(config.resolvers.map(formatHostPort));
  return resolver;
}

export async function resolveOnce(resolver: Resolver, config: DnsDiscoveryConfig): Promise<Resolution> {
  try {
    if (config.type === 'SRV') return await resolveSrv(resolver, config.name);
    const port = config.port ?? 0;
    const answers = config.type === 'AAAA' ? await resolver.resolve6(config.name, { ttl: true }) : await resolver.resolve4(config.name, { ttl: true });
    return fromAddresses(
      answers.map((a) => ({ host: a.address, port, weight: 1 })),
      minTtl(answers),
    );
  } catch (error) {
    return fromError(error);
  }
}

/** The records of the lowest priority present (the others are backups: RFC 2782), targets resolved to addresses. */
async function resolveSrv(resolver: Resolver, name: string): Promise<Resolution> {
  const all = await resolver.resolveSrv(name);
  if (all.length === 0) return { result: 'empty', reason: `${name} SRV: no records` };
  const lowest = Math.min(...all.map((r) => r.priority));
  const chosen = all.filter((r) => r.priority === lowest);
  const resolved = await Promise.all(chosen.map((srv) => resolveTarget(resolver, srv.name)));
  const records: DiscoveredRecord[] = [];
  const ttls: number[] = [];
  chosen.forEach((srv, i) => {
    const target = resolved[i]!;
    if (target.ttl !== undefined) ttls.push(target.ttl);
    // SRV weight 0 means "rarely"; a backend weight of 0 would mean "drain"
    for (const host of target.addresses) records.push({ host, port: srv.port, weight: Math.max(1, srv.weight), target: srv.name });
  });
  return fromAddresses(records, ttls.length > 0 ? Math.min(...ttls) : undefined);
}

/** An SRV target's addresses: itself when it is an IP address, else its A records, else its AAAA records. */
async function resolveTarget(resolver: Resolver, target: string): Promise<{ addresses: string[]; ttl: number | undefined }> {
  if (isIP(target) !== 0) return { addresses: [target], ttl: undefined };
  for (const family of [4, 6] as const) {
    try {
      const answers = family === 4 ? await resolver.resolve4(target, { ttl: true }) : await resolver.resolve6(target, { ttl: true });
      if (answers.length > 0) return { addresses: answers.map((a) => a.address), ttl: minTtl(answers) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // a target without addresses is left out; a resolver failure fails the whole resolution
      if (code !== 'ENODATA' && code !== 'ENOTFOUND') throw error;
    }
  }
  return { addresses: [], ttl: undefined };
}

function fromAddresses(records: DiscoveredRecord[], ttl: number | undefined): Resolution {
  if (records.length === 0) return { result: 'empty', reason: 'no addresses in the answer' };
  return { result: 'ok', records, ttl };
}

function minTtl(answers: Array<{ ttl: number }>): number | undefined {
  return answers.length === 0 ? undefined : Math.min(...answers.map((a) => a.ttl));
}

function fromError(error: unknown): Resolution {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason = `${code || 'error'}: ${(error as Error).message}`;
  switch (code) {
    case 'ENOTFOUND':
      return { result: 'nxdomain', reason: 'NXDOMAIN' };
    case 'ENODATA':
      return { result: 'empty', reason: 'no records of that type (NODATA)' };
    case 'ESERVFAIL':
      return { result: 'servfail', reason: 'SERVFAIL' };
    case 'EREFUSED':
    case 'ECONNREFUSED':
      return { result: 'refused', reason };
    case 'ETIMEOUT':
      return { result: 'timeout', reason: 'no answer in time' };
    default:
      return { result: 'error', reason };
  }
}
