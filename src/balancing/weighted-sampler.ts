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
  /** xorshift32 state, seeded from the injected random: one draw, then no calls out per pick */
  private state: number;

  constructor(
    private readonly backends: readonly Backend[],
    random: () => number,
  ) {
    this.state = Math.floor(random() * 0x100000000) | 0 || 0x9e3779b9 | 0;
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
      const r = this.next() * n;
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

  /** uniform in [0, 1) */
  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return (x >>> 0) / 4294967296;
  }

  private drawExact(tried: readonly Backend[]): number {
    const list = this.backends;
    let total = 0;
    for (let i = 0; i < list.length; i++) {
      const backend = list[i]!;
      if (isEligible(backend) && !wasTried(tried, backend)) total += backend.effectiveWeight();
    }
    if (total === 0) return -1;
    let r = this.next() * total;
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
