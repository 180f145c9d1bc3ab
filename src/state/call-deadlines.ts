// Deadlines of the calls waiting for the networked store, with one timer for all of them. Every
// call gets the same timeout, so deadlines come in the order the calls were made: the queue is
// FIFO, the one timer is armed for the oldest unsettled call, and a call answered in time is
// only marked (it leaves the queue when the timer next passes it). Under load the timer fires
// about once per timeout, however many requests there are.
import { performance } from 'node:perf_hooks';

export interface Deadline {
  /** performance.now() by which the call must be settled */
  deadline: number;
  settled: boolean;
}

export class CallDeadlines<T extends Deadline> {
  private queue: T[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timeoutMs: number,
    /** a call whose deadline passed unsettled (the caller settles it) */
    private readonly expired: (call: T) => void,
  ) {}

  /** The number of calls the queue holds (settled ones not yet swept included). */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Start `call`'s clock. */
  add(call: T): void {
    call.deadline = performance.now() + this.timeoutMs;
    this.queue.push(call);
    if (this.timer === null) this.arm(this.timeoutMs);
  }

  /** Settle every waiting call now (closing). */
  expireAll(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const call of waiting) if (!call.settled) this.expired(call);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.sweep(), Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = null;
    const now = performance.now();
    const queue = this.queue;
    let head = this.head;
    while (head < queue.length) {
      const call = queue[head]!;
      if (!call.settled) {
        // a timer may fire a little early: within half a millisecond counts as due
        if (call.deadline > now + 0.5) break;
        this.expired(call);
      }
      head++;
    }
    if (head === queue.length) {
      this.queue = [];
      this.head = 0;
      return;
    }
    if (head > 1024 && head * 2 > queue.length) {
      this.queue = queue.slice(head);
      head = 0;
    }
    this.head = head;
    this.arm(this.queue[head]!.deadline - now);
  }
}
