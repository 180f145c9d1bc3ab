// The records of the GSLB zone as PowerDNS's remote backend wants them: the SOA and NS at the apex,
// and for each configured name the addresses of the regions chosen for this client right now.
import { isIP } from 'node:net';
import type { GslbConfig } from '../config/types.js';
import { chooseRegions, type Choice, type RegionFacts } from './choose.js';
import type { ClientMap } from './client-map.js';

/** One record of a lookup answer (the remote backend's JSON). Names are absolute, with the trailing dot. */
export interface DnsRecord {
  qtype: string;
  qname: string;
  content: string;
  ttl: number;
  auth: boolean;
  scopeMask?: number;
}

export interface Client {
  ip: string;
  /** ECS source prefix length, or 32/128 for a plain address */
  bits: number;
}

export interface Answered {
  name: string;
  choice: Choice;
}

const ADDRESS_TYPES = new Set(['A', 'AAAA', 'ANY']);

export class Zone {
  readonly apex: string;
  /** the SOA serial: the second this zone was built (a reload makes a new one) */
  readonly serial = Math.floor(Date.now() / 1000);

  constructor(
    readonly config: GslbConfig,
    private readonly clients: ClientMap,
    private readonly facts: () => ReadonlyMap<string, RegionFacts>,
    private readonly random: () => number = Math.random,
  ) {
    this.apex = config.zone;
  }

  /** `name` (any case, trailing dot or not) relative to the zone: "@" for the apex, null outside it. */
  relative(name: string): string | null {
    const lower = name.toLowerCase().replace(/\.$/, '');
    if (lower === this.apex) return '@';
    return lower.endsWith(`.${this.apex}`) ? lower.slice(0, -(this.apex.length + 1)) : null;
  }

  soa(): DnsRecord {
    const { nameservers, hostmaster, ttl } = this.config;
    const seconds = Math.round(ttl / 1000);
    // refresh, retry, expire matter to secondaries only; the minimum is the negative-answer TTL
    const content = `${nameservers[0]}. ${hostmaster}. ${this.serial} 3600 600 604800 ${seconds}`;
    return { qtype: 'SOA', qname: `${this.apex}.`, content, ttl: seconds, auth: true };
  }

  /**
   * The records of `qname` of type `qtype` (ANY: all of them), `onAnswer` told of every address answer.
   * null: the name is not in this zone (PowerDNS then looks elsewhere); []: in the zone, nothing of that type.
   */
  lookup(qname: string, qtype: string, client: Client, onAnswer?: (answered: Answered) => void): DnsRecord[] | null {
    const label = this.relative(qname);
    if (label === null) return null;
    const type = qtype.toUpperCase();
    const owner = label === '@' ? `${this.apex}.` : `${label}.${this.apex}.`;
    const records: DnsRecord[] = [];
    if (label === '@') {
      if (type === 'SOA' || type === 'ANY') records.push(this.soa());
      if (type === 'NS' || type === 'ANY') {
        const ttl = Math.round(this.config.ttl / 1000);
        for (const ns of this.config.nameservers) records.push({ qtype: 'NS', qname: owner, content: `${ns}.`, ttl, auth: true });
      }
    }
    const spec = this.config.names[label];
    if (spec !== undefined && ADDRESS_TYPES.has(type)) {
      const location = this.clients.locate(client.ip, client.bits);
      const choice = chooseRegions(spec, this.facts(), location.region, this.random());
      const scopeMask = choice.bySubnet ? location.scope : 0;
      const ttl = Math.round(spec.ttl / 1000);
      for (const region of choice.regions) {
        for (const address of this.config.regions[region]?.answer ?? []) {
          const family = isIP(address) === 6 ? 'AAAA' : 'A';
          if (type === 'ANY' || type === family) records.push({ qtype: family, qname: owner, content: address, ttl, auth: true, scopeMask });
        }
      }
      onAnswer?.({ name: label, choice });
    }
    return records;
  }

  /** getDomainInfo / getAllDomains: the one zone, native (no transfers of its own). */
  domainInfo(): Record<string, unknown> {
    return { id: 1, zone: `${this.apex}.`, kind: 'native', serial: this.serial, notified_serial: this.serial, last_check: 0, masters: [] };
  }
}
