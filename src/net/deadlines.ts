/** Something with a timeout: it sets `deadline` (ms since epoch, 0 = none). */
export interface HasDeadline {
  deadline: number;
  onDeadline(now: number): void;
}

/**
 * One coarse timer for every connection instead of a timer per request: arming a
 * timeout on the hot path is just writing a number. Precision is the tick (100 ms),
 * which is plenty for timeouts measured in seconds.
 */
export class DeadlineSweeper {
  private readonly items = new Set<HasDeadline>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly tickMs = 100) {}

  add(item: HasDeadline): void {
    this.items.add(item);
    if (this.timer === null) {
      this.timer = setInterval(this.sweep, this.tickMs);
      this.timer.unref();
    }
  }

  delete(item: HasDeadline): void {
    this.items.delete(item);
  }

  get size(): number {
    return this.items.size;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private readonly sweep = (): void => {
    if (this.items.size === 0) return;
    const now = Date.now();
    for (const item of this.items) {
      if (item.deadline !== 0 && item.deadline <= now) {
        item.deadline = 0;
        item.onDeadline(now);
      }
    }
  };
}

/** The process-wide sweeper used by the data path. */
export const deadlines = new DeadlineSweeper();
