import type { ServerSpec } from './scenario-schema.js';

/**
 * One simulated server: `concurrency` requests served at once at its current speed, the rest
 * waiting in a FIFO queue (a ring buffer of request slots). It keeps the figures the report
 * shows: requests routed to it, peak and time-weighted mean of the requests it holds.
 */
export class SimServer {
  readonly name: string;
  readonly index: number;
  readonly weight: number;
  readonly concurrency: number;
  private readonly baseSpeed: number;
  /** set by `slow` events */
  speedFactor = 1;
  up = true;
  /** in the pool: servers that join later are absent until then, servers that leave after */
  present: boolean;
  private readonly warmup: number;
  private readonly warmupSpeed: number;
  joinedAt = 0;

  busy = 0;
  private queue = new Int32Array(16);
  private head = 0;
  queued = 0;

  // --- figures ---
  requests = 0;
  peakInflight = 0;
  private area = 0;
  private changedAt = 0;
  /** routed to it since the last time-series sample */
  routedSinceSample = 0;

  constructor(spec: ServerSpec, name: string, index: number, present: boolean) {
    this.name = name;
    this.index = index;
    this.weight = spec.weight;
    this.concurrency = spec.concurrency;
    this.baseSpeed = spec.speed;
    this.warmup = spec.warmup;
    this.warmupSpeed = spec.warmupSpeed;
    this.present = present;
  }

  get inflight(): number {
    return this.busy + this.queued;
  }

  /** Work per ms now: the configured speed × slow-downs × the cold-start ramp. */
  speed(now: number): number {
    let speed = this.baseSpeed * this.speedFactor;
    if (this.warmup > 0) {
      const f = (now - this.joinedAt) / this.warmup;
      if (f < 1) speed *= this.warmupSpeed + (1 - this.warmupSpeed) * Math.max(0, f);
    }
    return speed;
  }

  /** Call before the number of requests it holds changes. */
  account(now: number): void {
    this.area += this.inflight * (now - this.changedAt);
    this.changedAt = now;
  }

  /** Called after it changed. */
  noteInflight(): void {
    const n = this.busy + this.queued;
    if (n > this.peakInflight) this.peakInflight = n;
  }

  meanInflight(end: number): number {
    const area = this.area + this.inflight * (end - this.changedAt);
    return end > 0 ? area / end : 0;
  }

  enqueue(slot: number): void {
    if (this.queued === this.queue.length) {
      const bigger = new Int32Array(this.queue.length * 2);
      for (let i = 0; i < this.queued; i++) bigger[i] = this.queue[(this.head + i) % this.queue.length]!;
      this.queue = bigger;
      this.head = 0;
    }
    this.queue[(this.head + this.queued) % this.queue.length] = slot;
    this.queued++;
  }

  /** The oldest waiting slot, or -1. */
  dequeue(): number {
    if (this.queued === 0) return -1;
    const slot = this.queue[this.head]!;
    this.head = (this.head + 1) % this.queue.length;
    this.queued--;
    return slot;
  }
}
