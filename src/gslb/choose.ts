// Which regions a name answers, from the name's policy, region health and where the client is.
// Pure: no I/O, no clock; the weighted pick takes its random number from the caller.
import type { GslbConfig } from '../config/types.js';

export type NamePolicy = GslbConfig['names'][string];

export interface RegionFacts {
  up: boolean;
  weight: number;
  capacity: number | undefined;
}

export interface Choice {
  /** the regions whose addresses are answered: one, or all of the name's in panic */
  regions: string[];
  /** no region of the name is up: every one is answered, so that clients have something to try */
  panic: boolean;
  /** the answer depends on the client's subnet (geo): the ECS scope applies; else scope 0 */
  bySubnet: boolean;
}

/**
 * - geo: the client's region when it is up, else the next up region after it in the name's order
 *   (wrapping round to the start); a client no range holds, or whose region the name does not
 *   list, gets the first up region of the order.
 * - weighted: one up region, drawn with probability weight (or capacity) / sum over the up regions;
 *   regions of weight 0 take no share while another region is up.
 * - failover: the first up region of the order.
 * None up: panic, every region of the name.
 */
export function chooseRegions(policy: NamePolicy, facts: ReadonlyMap<string, RegionFacts>, clientRegion: string | null, random: number): Choice {
  const order = policy.regions;
  const up = order.filter((region) => facts.get(region)?.up === true);
  if (up.length === 0) return { regions: [...order], panic: true, bySubnet: false };
  switch (policy.policy) {
    case 'geo': {
      return { regions: [geoPick(order, up, clientRegion)], panic: false, bySubnet: true };
    }
    case 'failover':
      return { regions: [up[0]!], panic: false, bySubnet: false };
    case 'weighted':
      return { regions: [weightedPick(up, facts, policy.weightBy, random)], panic: false, bySubnet: false };
  }
}

function geoPick(order: readonly string[], up: readonly string[], clientRegion: string | null): string {
  const at = clientRegion === null ? -1 : order.indexOf(clientRegion);
  if (at === -1) return up[0]!;
  for (let step = 0; step < order.length; step++) {
    const region = order[(at + step) % order.length]!;
    if (up.includes(region)) return region;
  }
  return up[0]!;
}

function weightedPick(up: readonly string[], facts: ReadonlyMap<string, RegionFacts>, by: NamePolicy['weightBy'], random: number): string {
  const shares = up.map((region) => {
    const fact = facts.get(region)!;
    return by === 'capacity' ? (fact.capacity ?? 0) : fact.weight;
  });
  const total = shares.reduce((sum, share) => sum + share, 0);
  if (total <= 0) return up[0]!;
  let point = random * total;
  for (let i = 0; i < up.length; i++) {
    point -= shares[i]!;
    if (point < 0 && shares[i]! > 0) return up[i]!;
  }
  // random was 1 (or rounding): the last region with a share
  for (let i = up.length - 1; i >= 0; i--) if (shares[i]! > 0) return up[i]!;
  return up[0]!;
}
