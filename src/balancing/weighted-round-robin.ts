import type { Backend } from '../pool/backend.js';
import { isEligible, wasTried, type Balancer, type PickContext } from './balancer.js';

/**
 * nginx's smooth weighted round robin: every pick, each available backend's current
 * weight grows by its effective weight; the largest wins and is lowered by the total.
 * Weights 5,1,1 give a a b a c a a — spread out, never bursts of the heavy one.
 */
export class SmoothWeightedRoundRobin implements Balancer {
  readonly name = 'weighted-round-robin';
  readonly usesKey = false;
  private readonly current: Float64Array;

  constructor(private readonly backends: readonly Backend[]) {
    this.current = new Float64Array(backends.length);
  }

  pick(_ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const list = this.backends;
    const current = this.current;
    let total = 0;
    let best = -1;
    for (let i = 0; i < list.length; i++) {
      const backend = list[i]!;
      if (!isEligible(backend) || (tried.length !== 0 && wasTried(tried, backend))) continue;
      const weight = backend.effectiveWeight();
      current[i]! += weight;
      total += weight;
      if (best === -1 || current[i]! > current[best]!) best = i;
    }
    if (best === -1) return undefined;
    current[best]! -= total;
    return list[best];
  }
}
