import { CidrSet } from '../net/cidr.js';

/** Where a client belongs: its region (null when no range holds it) and the ECS scope of that finding. */
export interface ClientLocation {
  region: string | null;
  /**
   * The prefix length the finding holds for (ECS scopeMask): the matched range's, or longer when a
   * more specific range of the config lies inside it; when nothing matched, the client's own
   * subnet length (the finding says nothing beyond it).
   */
  scope: number;
}

interface Range {
  region: string;
  set: CidrSet;
  bits: number;
  /** the longest prefix of this range or of any configured range nested in it */
  scope: number;
}

/** The client subnet → region map: the longest configured prefix holding the client's address wins. */
export class ClientMap {
  private readonly ranges: Range[] = [];

  constructor(regions: ReadonlyArray<{ name: string; clients: readonly string[] }>) {
    const all: Array<{ region: string; cidr: string; bits: number; set: CidrSet }> = [];
    for (const { name, clients } of regions) {
      for (const cidr of clients) {
        const [address = '', prefix] = cidr.split('/');
        const bits = prefix === undefined ? (address.includes(':') ? 128 : 32) : Number(prefix);
        all.push({ region: name, cidr, bits, set: new CidrSet([cidr]) });
      }
    }
    for (const range of all) {
      let scope = range.bits;
      for (const other of all) {
        if (other.bits > scope && range.set.has(other.cidr.split('/')[0]!)) scope = other.bits;
      }
      this.ranges.push({ region: range.region, set: range.set, bits: range.bits, scope });
    }
  }

  /** `ip` with the length of the subnet it stands for (ECS source prefix, or 32/128 for a plain address). */
  locate(ip: string, sourceBits: number): ClientLocation {
    let best: Range | null = null;
    for (const range of this.ranges) {
      if ((best === null || range.bits > best.bits) && range.set.has(ip)) best = range;
    }
    if (best === null) return { region: null, scope: sourceBits };
    return { region: best.region, scope: best.scope };
  }
}
