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
  /** Date.now() at the last sweep (or when the timer started) */
  private sweptAt = 0;

  constructor(private readonly tickMs = 100) {}

  add(item: HasDeadline): void {
    this.items.add(item);
    if (this.timer === null) {
      this.sweptAt = Date.now();
      this.timer = setInterval(this.sweep, this.tickMs);
      this.timer.unref();
    }
  }

  delete(item: HasDeadline): void {
    this.items.delete(item);
  }

  /**
   * The deadline `ms` from now, read from the sweeper's own clock so that the hot path,
   * which re-arms a deadline several times per request, does not read the system clock.
   * The clock is at most a tick old, so the timeout fires `ms` to `ms` + 2 ticks from now.
   */
  at(ms: number): number {
    return (this.timer === null ? Date.now() : this.sweptAt + this.tickMs) + ms;
  }

  get size(): number {
    return this.items.size;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private readonly sweep = (): void => {
    const now = Date.now();
    this.sweptAt = now;
    if (this.items.size === 0) return;
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
