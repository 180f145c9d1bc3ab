import type { Backend } from '../pool/backend.js';
import { isEligible, wasTried, type Balancer, type PickContext } from './balancer.js';

/** Plain rotation over available backends; weights other than 0 are ignored. */
export class RoundRobin implements Balancer {
  readonly name = 'round-robin';
  readonly usesKey = false;
  private next = 0;

  constructor(private readonly backends: readonly Backend[]) {}

  pick(_ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const list = this.backends;
    const n = list.length;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const backend = list[index]!;
      if (isEligible(backend) && (tried.length === 0 || !wasTried(tried, backend))) {
        this.next = (index + 1) % n;
        return backend;
      }
    }
    return undefined;
  }
}
