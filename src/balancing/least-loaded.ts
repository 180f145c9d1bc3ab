import type { Backend } from '../pool/backend.js';
import { epochOf, type AvailabilityEpoch } from '../pool/availability-epoch.js';
import { isEligible, wasTried, type Balancer, type Outcome, type PickContext } from './balancer.js';

/**
 * The shared core of the "least X" algorithms: a binary min-heap of backends ordered by
 * (score, last pick), so a pick costs O(log n) instead of a scan of every backend. Equal
 * scores go to the backend picked least recently, which makes ties rotate.
 *
 * Scores are re-read from the Backend's counters in onStart/onEnd. An unavailable backend
 * scores +Infinity; when any backend's health, draining or weight changes (the service's
 * availability epoch moves), the heap is rebuilt once, in O(n). Counters can also move
 * behind the heap's back (an old balancer finishing requests after a rebuild), so the
 * heap heals itself: the root is re-checked on every pick until it is current, and every
 * pick re-checks one more entry in turn.
 */
export abstract class LeastLoaded implements Balancer {
  abstract readonly name: string;
  readonly usesKey = false;
  protected readonly backends: readonly Backend[];
  private readonly indexOf = new Map<Backend, number>();
  /** heap position → backend index */
  private readonly heap: Int32Array;
  /** backend index → heap position */
  private readonly position: Int32Array;
  /** backend index → score as last computed */
  private readonly score: Float64Array;
  /** backend index → pick sequence number of its last pick */
  private readonly lastPick: Float64Array;
  /** scratch for searching past tried backends, sized so it never grows */
  private readonly stack: Int32Array;
  private sequence = 0;
  private cursor = 0;
  private readonly availability: AvailabilityEpoch;
  private epoch = -1;

  constructor(backends: readonly Backend[]) {
    this.backends = backends;
    this.availability = epochOf(backends);
    const n = backends.length;
    this.heap = new Int32Array(n);
    this.position = new Int32Array(n);
    this.score = new Float64Array(n);
    this.lastPick = new Float64Array(n);
    this.stack = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.indexOf.set(backends[i]!, i);
  }

  /**
   * Writes the backend's score (lower is better) to `out[0]`; only called for eligible
   * backends. Writing instead of returning keeps the double unboxed: this call site sees
   * every subclass, so it is not inlined, and a returned double would be a heap number per
   * call. Subclasses must call `initialize()` at the end of their constructor.
   */
  protected abstract scoreOf(backend: Backend, out: Float64Array): void;
  private readonly scratch = new Float64Array(1);

  protected initialize(): void {
    this.rebuild();
  }

  pick(_ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const n = this.backends.length;
    if (n === 0) return undefined;
    if (this.availability.value !== this.epoch) this.rebuild();
    this.refresh(this.cursor);
    this.cursor = this.cursor + 1 === n ? 0 : this.cursor + 1;
    // Settle the root: each correction pushes a stale entry down, so this ends quickly.
    for (let guard = 0; guard < n; guard++) {
      if (!this.refresh(this.heap[0]!)) break;
    }
    let chosen = this.heap[0]!;
    if (this.score[chosen] === Infinity) return undefined;
    if (tried.length !== 0 && wasTried(tried, this.backends[chosen]!)) {
      chosen = this.bestExcluding(tried);
      if (chosen < 0) return undefined;
    }
    this.lastPick[chosen] = ++this.sequence;
    this.siftDown(this.position[chosen]!);
    return this.backends[chosen];
  }

  onStart(backend: Backend): void {
    const i = this.indexOf.get(backend);
    if (i !== undefined) this.refresh(i);
  }

  onEnd(backend: Backend, _outcome: Outcome, _latencyMs: number): void {
    const i = this.indexOf.get(backend);
    if (i !== undefined) this.refresh(i);
  }

  /** Recomputes backend i's score; true when it changed. */
  protected refresh(i: number): boolean {
    const backend = this.backends[i]!;
    let next = Infinity;
    if (isEligible(backend)) {
      this.scoreOf(backend, this.scratch);
      next = this.scratch[0]!;
    }
    const previous = this.score[i]!;
    if (next === previous) return false;
    this.score[i] = next;
    if (next < previous) this.siftUp(this.position[i]!);
    else this.siftDown(this.position[i]!);
    return true;
  }

  protected rebuild(): void {
    this.epoch = this.availability.value;
    const n = this.backends.length;
    for (let i = 0; i < n; i++) {
      const backend = this.backends[i]!;
      if (isEligible(backend)) {
        this.scoreOf(backend, this.scratch);
        this.score[i] = this.scratch[0]!;
      } else {
        this.score[i] = Infinity;
      }
      this.heap[i] = i;
      this.position[i] = i;
    }
    for (let p = (n >> 1) - 1; p >= 0; p--) this.siftDown(p);
  }

  /**
   * The best backend not in `tried`. In a min-heap it is either the root or a child of an
   * excluded entry, so only the excluded entries' children need looking at.
   */
  private bestExcluding(tried: readonly Backend[]): number {
    const heap = this.heap;
    const stack = this.stack;
    const n = heap.length;
    let top = 0;
    let best = -1;
    stack[top++] = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const i = heap[p]!;
      if (this.score[i] === Infinity) continue;
      const backend = this.backends[i]!;
      if (wasTried(tried, backend) || !isEligible(backend)) {
        const left = 2 * p + 1;
        if (left < n) stack[top++] = left;
        if (left + 1 < n) stack[top++] = left + 1;
      } else if (best < 0 || this.less(i, best)) {
        best = i;
      }
    }
    return best;
  }

  private less(a: number, b: number): boolean {
    const sa = this.score[a]!;
    const sb = this.score[b]!;
    return sa < sb || (sa === sb && this.lastPick[a]! < this.lastPick[b]!);
  }

  private siftUp(p: number): void {
    const heap = this.heap;
    const i = heap[p]!;
    while (p > 0) {
      const parent = (p - 1) >> 1;
      const j = heap[parent]!;
      if (!this.less(i, j)) break;
      heap[p] = j;
      this.position[j] = p;
      p = parent;
    }
    heap[p] = i;
    this.position[i] = p;
  }

  private siftDown(p: number): void {
    const heap = this.heap;
    const n = heap.length;
    const i = heap[p]!;
    for (;;) {
      let child = 2 * p + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1]!, heap[child]!)) child++;
      const j = heap[child]!;
      if (!this.less(j, i)) break;
      heap[p] = j;
      this.position[j] = p;
      p = child;
    }
    heap[p] = i;
    this.position[i] = p;
  }
}
