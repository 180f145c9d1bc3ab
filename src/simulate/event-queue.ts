/**
 * The simulator's future: a binary min-heap of events ordered by (time, insertion order), kept in
 * typed arrays so that pushing and popping millions of events allocates nothing. An event is a
 * kind and two integer arguments; equal times pop in the order they were pushed, which keeps runs
 * deterministic.
 */
export class EventQueue {
  private time: Float64Array;
  private order: Float64Array;
  private kind: Int32Array;
  private a: Int32Array;
  private b: Int32Array;
  private count = 0;
  private sequence = 0;
  /** the popped event's fields, valid until the next pop */
  popTime = 0;
  popKind = 0;
  popA = 0;
  popB = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.kind = new Int32Array(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(time: number, kind: number, a = 0, b = 0): void {
    if (this.count === this.time.length) this.grow();
    let p = this.count++;
    const seq = this.sequence++;
    // sift up: move parents down until the new event's place is found
    while (p > 0) {
      const parent = (p - 1) >> 1;
      const pt = this.time[parent]!;
      if (pt < time || (pt === time && this.order[parent]! < seq)) break;
      this.move(parent, p);
      p = parent;
    }
    this.set(p, time, seq, kind, a, b);
  }

  /** Removes the earliest event into popTime/popKind/popA/popB; false when empty. */
  pop(): boolean {
    if (this.count === 0) return false;
    this.popTime = this.time[0]!;
    this.popKind = this.kind[0]!;
    this.popA = this.a[0]!;
    this.popB = this.b[0]!;
    const last = --this.count;
    if (last === 0) return true;
    const t = this.time[last]!;
    const s = this.order[last]!;
    const k = this.kind[last]!;
    const x = this.a[last]!;
    const y = this.b[last]!;
    let p = 0;
    for (;;) {
      let child = 2 * p + 1;
      if (child >= last) break;
      if (child + 1 < last && this.before(child + 1, child)) child++;
      const ct = this.time[child]!;
      if (t < ct || (t === ct && s < this.order[child]!)) break;
      this.move(child, p);
      p = child;
    }
    this.set(p, t, s, k, x, y);
    return true;
  }

  private before(i: number, j: number): boolean {
    const ti = this.time[i]!;
    const tj = this.time[j]!;
    return ti < tj || (ti === tj && this.order[i]! < this.order[j]!);
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from]!;
    this.order[to] = this.order[from]!;
    this.kind[to] = this.kind[from]!;
    this.a[to] = this.a[from]!;
    this.b[to] = this.b[from]!;
  }

  private set(p: number, time: number, seq: number, kind: number, a: number, b: number): void {
    this.time[p] = time;
    this.order[p] = seq;
    this.kind[p] = kind;
    this.a[p] = a;
    this.b[p] = b;
  }

  private grow(): void {
    const n = this.time.length * 2;
    const time = new Float64Array(n);
    time.set(this.time);
    this.time = time;
    const order = new Float64Array(n);
    order.set(this.order);
    this.order = order;
    const kind = new Int32Array(n);
    kind.set(this.kind);
    this.kind = kind;
    const a = new Int32Array(n);
    a.set(this.a);
    this.a = a;
    const b = new Int32Array(n);
    b.set(this.b);
    this.b = b;
  }
}
