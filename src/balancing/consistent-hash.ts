import type { Backend } from '../pool/backend.js';
import { isEligible, wasTried, type Balancer, type BalancerOptions, type PickContext } from './balancer.js';
import { BoundedLoad, scanFrom } from './bounded-load.js';
import { hashString } from './hash.js';

/** virtual nodes per backend of average weight (fewer past 512 backends, where the ring is capped) */
export const VNODES_PER_BACKEND = 512;
/** keeps a 1,000-backend ring at ~60 ms to build and 2 MB */
const MAX_POINTS = 1 << 18;
/** rank of a backend by id, packed under a point's hash: must exceed any backend count */
const RANK_SPACE = 1 << 20;

export interface Ring {
  /** sorted point hashes */
  points: Uint32Array;
  /** point → backend index in the list the ring was built from */
  owners: Int32Array;
  /** bucket → index of its first point: narrows a lookup to a few points instead of the whole ring */
  buckets: Int32Array;
}

/** hashes are 30-bit (hash.ts); the top 16 bits pick a bucket */
const BUCKET_SHIFT = 30 - 16;
const BUCKETS = 1 << 16;

/**
 * A hash ring (Karger et al.; ketama): each backend owns points hash(id, j) for j below a
 * count proportional to its weight; a key goes to the first point at or after its hash.
 * A backend's points depend only on its own id, so adding or removing one moves only the
 * keys it gains or loses. Ties between equal points go to the smaller id, never list order.
 */
export function buildRing(backends: readonly Backend[]): Ring {
  const n = backends.length;
  let totalWeight = 0;
  let weighted = 0;
  for (const backend of backends) {
    if (backend.weight > 0) {
      totalWeight += backend.weight;
      weighted++;
    }
  }
  const counts = new Int32Array(n);
  let total = 0;
  if (weighted > 0) {
    const perBackend = Math.min(VNODES_PER_BACKEND, Math.floor(MAX_POINTS / weighted));
    for (let i = 0; i < n; i++) {
      const w = backends[i]!.weight;
      if (w <= 0) continue;
      counts[i] = Math.max(1, Math.round((perBackend * weighted * w) / totalWeight));
      total += counts[i]!;
    }
  }
  const rank = rankById(backends);
  const packed = new Float64Array(total);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const id = backends[i]!.id;
    for (let j = 0; j < counts[i]!; j++) packed[k++] = hashString(id, j) * RANK_SPACE + rank[i]!;
  }
  packed.sort();
  const byRank = new Int32Array(n);
  for (let i = 0; i < n; i++) byRank[rank[i]!] = i;
  const points = new Uint32Array(total);
  const owners = new Int32Array(total);
  for (let p = 0; p < total; p++) {
    const value = packed[p]!;
    const r = value % RANK_SPACE;
    points[p] = (value - r) / RANK_SPACE;
    owners[p] = byRank[r]!;
  }
  return { points, owners, buckets: bucketIndex(points) };
}

function bucketIndex(points: Uint32Array): Int32Array {
  const buckets = new Int32Array(BUCKETS + 1);
  let p = 0;
  for (let b = 0; b <= BUCKETS; b++) {
    const start = b * (1 << BUCKET_SHIFT);
    while (p < points.length && points[p]! < start) p++;
    buckets[b] = p;
  }
  return buckets;
}

/** index of the first point ≥ hash, wrapping to 0: a binary search inside the hash's bucket */
export function ringLookup(ring: Ring, hash: number): number {
  const { points, buckets } = ring;
  const bucket = hash >>> BUCKET_SHIFT;
  let lo = buckets[bucket]!;
  let hi = buckets[bucket + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]! < hash) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}

/** backend index → its position when the list is sorted by id */
export function rankById(backends: readonly Backend[]): Int32Array {
  const order = backends.map((_, i) => i).sort((a, b) => compareIds(backends[a]!.id, backends[b]!.id));
  const rank = new Int32Array(backends.length);
  for (let r = 0; r < order.length; r++) rank[order[r]!] = r;
  return rank;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How far past the key's point a pick walks before falling back to a scan. */
const WALK_LIMIT = 64;

export class ConsistentHash implements Balancer {
  readonly name = 'consistent-hash';
  readonly usesKey = true;
  readonly ring: Ring;
  private readonly bounded: BoundedLoad;

  constructor(
    private readonly backends: readonly Backend[],
    options: BalancerOptions,
  ) {
    this.ring = buildRing(backends);
    this.bounded = new BoundedLoad(backends, options.hashBalanceFactor);
  }

  pick(ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const { points, owners } = this.ring;
    const size = points.length;
    if (size === 0) return undefined;
    this.bounded.tick();
    const hash = hashString(ctx.key);
    let p = ringLookup(this.ring, hash);
    const limit = size < WALK_LIMIT ? size : WALK_LIMIT;
    for (let step = 0; step < limit; step++) {
      const i = owners[p]!;
      const backend = this.backends[i]!;
      if (isEligible(backend) && (tried.length === 0 || !wasTried(tried, backend)) && this.bounded.admits(i)) {
        return backend;
      }
      p = p + 1 === size ? 0 : p + 1;
    }
    return scanFrom(this.backends, owners[p]!, tried, this.bounded);
  }

  onStart(backend: Backend): void {
    this.bounded.observe(backend);
  }

  onEnd(backend: Backend): void {
    this.bounded.observe(backend);
  }
}
