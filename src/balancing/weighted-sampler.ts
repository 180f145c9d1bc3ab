import type { Backend } from '../pool/backend.js';
import { isEligible, wasTried } from './balancer.js';

/** After this many rejected draws, fall back to an exact scan (mostly-unavailable pools). */
const MAX_DRAWS = 32;

/**
 * Draws backends at random in proportion to their effective weight, in O(1) expected time:
 * draw an index uniformly and accept it with probability weight / maxWeight (rejection
 * sampling). That stays exact while weights move (slow start) without any table to rebuild.
 */
export class WeightedSampler {
  private maxWeight = 0;

  constructor(
    private readonly backends: readonly Backend[],
    private readonly random: () => number,
  ) {
    for (const backend of backends) {
      const w = Math.max(backend.weight, backend.effectiveWeight());
      if (w > this.maxWeight) this.maxWeight = w;
    }
  }

  /** Index of a weighted random eligible backend not in `tried`, or -1 when there is none. */
  draw(tried: readonly Backend[]): number {
    const list = this.backends;
    const n = list.length;
    if (n === 0) return -1;
    for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
      const r = this.random() * n;
      const i = r | 0;
      const backend = list[i]!;
      if (!backend.available()) continue;
      const w = backend.effectiveWeight();
      if (!(w > 0)) continue;
      if (w > this.maxWeight) this.maxWeight = w;
      // The fractional part of r is a second uniform number, independent of i.
      if ((r - i) * this.maxWeight >= w) continue;
      if (tried.length !== 0 && wasTried(tried, backend)) continue;
      return i;
    }
    return this.drawExact(tried);
  }

  private drawExact(tried: readonly Backend[]): number {
    const list = this.backends;
    let total = 0;
    for (let i = 0; i < list.length; i++) {
      const backend = list[i]!;
      if (isEligible(backend) && !wasTried(tried, backend)) total += backend.effectiveWeight();
    }
    if (total === 0) return -1;
    let r = this.random() * total;
    let last = -1;
    for (let i = 0; i < list.length; i++) {
      const backend = list[i]!;
      if (!isEligible(backend) || wasTried(tried, backend)) continue;
      last = i;
      r -= backend.effectiveWeight();
      if (r < 0) return i;
    }
    return last;
  }
}
