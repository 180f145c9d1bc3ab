import type { Backend } from '../pool/backend.js';
import { isEligible, wasTried, type Balancer, type BalancerOptions, type PickContext } from './balancer.js';
import { BoundedLoad, scanFrom } from './bounded-load.js';
import { rankById } from './consistent-hash.js';
import { hashString } from './hash.js';

export const DEFAULT_TABLE_SIZE = 65537;
const OFFSET_SEED = 0x6d61676c; // "magl"
const SKIP_SEED = 0x65762121;

/** The table size: 65537, or the first prime above 100 × backends for larger pools. */
export function maglevTableSize(backendCount: number): number {
  const minimum = 100 * backendCount;
  if (minimum < DEFAULT_TABLE_SIZE) return DEFAULT_TABLE_SIZE;
  let candidate = minimum + 1;
  while (!isPrime(candidate)) candidate++;
  return candidate;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/**
 * Maglev's lookup table (Eisenbud et al., NSDI 2016), weighted as in Envoy: each backend
 * walks its own permutation of the slots (offset and skip from two hashes of its id) and
 * backends take turns claiming their next free slot, a heavier one more often. Turns go in
 * id order and depend only on ids and weights, so the same config gives the same table in
 * any process. Entries are indexes into `backends`; -1 only when no backend has weight.
 */
export function buildMaglevTable(backends: readonly Backend[], size = maglevTableSize(backends.length)): Int32Array {
  const table = new Int32Array(size).fill(-1);
  const rank = rankById(backends);
  const order: number[] = [];
  for (let i = 0; i < backends.length; i++) if (backends[i]!.weight > 0) order.push(i);
  if (order.length === 0) return table;
  order.sort((a, b) => rank[a]! - rank[b]!);
  const m = order.length;
  const slot = new Float64Array(m); // current position in each permutation
  const skip = new Float64Array(m);
  const weight = new Float64Array(m);
  const target = new Float64Array(m);
  let maxWeight = 0;
  for (let k = 0; k < m; k++) {
    const backend = backends[order[k]!]!;
    slot[k] = hashString(backend.id, OFFSET_SEED) % size;
    skip[k] = (hashString(backend.id, SKIP_SEED) % (size - 1)) + 1;
    weight[k] = backend.weight;
    if (backend.weight > maxWeight) maxWeight = backend.weight;
  }
  let filled = 0;
  for (let turn = 1; filled < size; turn++) {
    for (let k = 0; k < m && filled < size; k++) {
      // A backend of weight maxWeight / 3 claims a slot every third turn.
      if (turn * weight[k]! < target[k]!) continue;
      target[k]! += maxWeight;
      let c = slot[k]!;
      while (table[c] !== -1) {
        c += skip[k]!;
        if (c >= size) c -= size;
      }
      table[c] = order[k]!;
      c += skip[k]!;
      slot[k] = c >= size ? c - size : c;
      filled++;
    }
  }
  return table;
}

const WALK_LIMIT = 64;

export class Maglev implements Balancer {
  readonly name = 'maglev';
  readonly usesKey = true;
  readonly table: Int32Array;
  private readonly bounded: BoundedLoad;

  constructor(
    private readonly backends: readonly Backend[],
    options: BalancerOptions,
  ) {
    this.table = buildMaglevTable(backends);
    this.bounded = new BoundedLoad(backends, options.hashBalanceFactor);
  }

  pick(ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const table = this.table;
    const size = table.length;
    if (this.backends.length === 0 || table[0] === -1) return undefined;
    this.bounded.tick();
    // Neighbouring entries belong to unrelated backends, so walking on spreads the spill.
    let e = hashString(ctx.key) % size;
    for (let step = 0; step < WALK_LIMIT; step++) {
      const i = table[e]!;
      const backend = this.backends[i]!;
      if (isEligible(backend) && (tried.length === 0 || !wasTried(tried, backend)) && this.bounded.admits(i)) {
        return backend;
      }
      e = e + 1 === size ? 0 : e + 1;
    }
    return scanFrom(this.backends, table[e]!, tried, this.bounded);
  }

  onStart(backend: Backend): void {
    this.bounded.observe(backend);
  }

  onEnd(backend: Backend): void {
    this.bounded.observe(backend);
  }
}
