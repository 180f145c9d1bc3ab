import type { Backend } from '../pool/backend.js';
import type { Balancer, BalancerOptions, PickContext } from './balancer.js';
import { WeightedSampler } from './weighted-sampler.js';

/**
 * Power of d choices: d weighted random draws (d = `choices`, default 2), and the one with
 * fewer outstanding requests wins. Almost as even as least-requests, in O(d) at any pool size,
 * and it does not herd several balancers onto the same "least loaded" backend.
 */
export class PowerOfTwoChoices implements Balancer {
  readonly name = 'power-of-two';
  readonly usesKey = false;
  private readonly sampler: WeightedSampler;
  private readonly choices: number;

  constructor(
    private readonly backends: readonly Backend[],
    options: BalancerOptions,
  ) {
    this.sampler = new WeightedSampler(backends, options.random);
    this.choices = options.choices >= 1 ? Math.floor(options.choices) : 2;
  }

  pick(_ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    let best = this.sampler.draw(tried);
    if (best < 0) return undefined;
    let bestLoad = this.backends[best]!.inflight;
    for (let c = 1; c < this.choices; c++) {
      const i = this.sampler.draw(tried);
      if (i < 0) break;
      const load = this.backends[i]!.inflight;
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return this.backends[best];
  }
}
