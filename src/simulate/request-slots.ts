/**
 * The requests in flight, as slots in parallel typed arrays: a slot is taken on arrival and given
 * back when the request ends, so memory follows the peak number in flight, not the run's length.
 * `generation` moves on every release: an event that names a slot also carries the generation it
 * was scheduled for, and is ignored when the slot has moved on (its request failed meanwhile).
 */
export class RequestSlots {
  private capacity = 1024;
  server = new Int32Array(this.capacity);
  balancer = new Int32Array(this.capacity);
  generation = new Int32Array(this.capacity);
  arrival = new Float64Array(this.capacity);
  cost = new Float64Array(this.capacity);
  started = new Float64Array(this.capacity);
  live = new Uint8Array(this.capacity);
  private free = new Int32Array(this.capacity);
  private freeCount = 0;
  /** slots ever used: 0 … used-1 */
  used = 0;
  /** slots taken now */
  taken = 0;

  take(): number {
    this.taken++;
    let slot: number;
    if (this.freeCount > 0) slot = this.free[--this.freeCount]!;
    else {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    this.live[slot] = 1;
    return slot;
  }

  release(slot: number): void {
    this.taken--;
    this.live[slot] = 0;
    this.generation[slot]!++;
    this.free[this.freeCount++] = slot;
  }

  private grow(): void {
    const n = this.capacity * 2;
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.server = i32(this.server);
    this.balancer = i32(this.balancer);
    this.generation = i32(this.generation);
    this.free = i32(this.free);
    this.arrival = f64(this.arrival);
    this.cost = f64(this.cost);
    this.started = f64(this.started);
    const live = new Uint8Array(n);
    live.set(this.live);
    this.live = live;
    this.capacity = n;
  }
}
