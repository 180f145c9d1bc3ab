import type { Backend } from '../pool/backend.js';
import { isEligible, wasTried, type Balancer, type BalancerOptions, type PickContext } from './balancer.js';
import { BoundedLoad, scanFrom } from './bounded-load.js';
import { rankById } from './consistent-hash.js';
import { hashString, mix32 } from './hash.js';

const MAX_SLOTS = 65536;
/** nginx's ip_hash gives up rehashing after 20 tries; so do we, then scan */
const REHASH_LIMIT = 20;

/**
 * Weighted slots in id order, each backend holding weight/gcd of them (scaled down past
 * 65536 slots). Deterministic from ids and weights alone.
 */
export function buildSlots(backends: readonly Backend[]): Int32Array {
  const rank = rankById(backends);
  const order = backends.map((_, i) => i).filter((i) => backends[i]!.weight > 0);
  order.sort((a, b) => rank[a]! - rank[b]!);
  let divisor = 0;
  let total = 0;
  let integral = true;
  for (const i of order) {
    const w = backends[i]!.weight;
    total += w;
    if (Number.isInteger(w)) divisor = gcd(divisor, w);
    else integral = false;
  }
  const units = order.map((i) => {
    const w = backends[i]!.weight;
    return integral && total / divisor <= MAX_SLOTS ? w / divisor : Math.max(1, Math.round((w * MAX_SLOTS) / total));
  });
  const slots = new Int32Array(units.reduce((a, b) => a + b, 0));
  let s = 0;
  for (let k = 0; k < order.length; k++) for (let u = 0; u < units[k]!; u++) slots[s++] = order[k]!;
  return slots;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The client's address, hashed onto weighted slots (`hash mod slots`): the same client
 * reaches the same backend while the backend set is stable. Cheap and simple, but adding or
 * removing a backend remaps most clients; consistent-hash and maglev do not. Always keyed by
 * the client IP; `hashKey` is for consistent-hash and maglev.
 */
export class IpHash implements Balancer {
  readonly name = 'ip-hash';
  readonly usesKey = false;
  readonly slots: Int32Array;
  private readonly bounded: BoundedLoad;

  constructor(
    private readonly backends: readonly Backend[],
    options: BalancerOptions,
  ) {
    this.slots = buildSlots(backends);
    this.bounded = new BoundedLoad(backends, options.hashBalanceFactor);
  }

  pick(ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const slots = this.slots;
    const size = slots.length;
    if (size === 0) return undefined;
    this.bounded.tick();
    let hash = hashString(ctx.clientIp);
    for (let attempt = 0; attempt < REHASH_LIMIT; attempt++) {
      const i = slots[hash % size]!;
      const backend = this.backends[i]!;
      if (isEligible(backend) && (tried.length === 0 || !wasTried(tried, backend)) && this.bounded.admits(i)) {
        return backend;
      }
      hash = mix32(hash + attempt + 1);
    }
    return scanFrom(this.backends, slots[hash % size]!, tried, this.bounded);
  }

  onStart(backend: Backend): void {
    this.bounded.observe(backend);
  }

  onEnd(backend: Backend): void {
    this.bounded.observe(backend);
  }
}
