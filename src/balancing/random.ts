import type { Backend } from '../pool/backend.js';
import type { Balancer, BalancerOptions, PickContext } from './balancer.js';
import { WeightedSampler } from './weighted-sampler.js';

/** A weighted random backend: no state, no coordination, good when many balancers share a pool. */
export class RandomBalancer implements Balancer {
  readonly name = 'random';
  readonly usesKey = false;
  private readonly sampler: WeightedSampler;

  constructor(
    private readonly backends: readonly Backend[],
    options: BalancerOptions,
  ) {
    this.sampler = new WeightedSampler(backends, options.random);
  }

  pick(_ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const i = this.sampler.draw(tried);
    return i < 0 ? undefined : this.backends[i];
  }
}
