/**
 * Counts events per connection over a fixed window and says when they exceed what the window
 * allows: the shape of the limits against floods (rapid reset, frames that carry nothing).
 */
export class WindowCounter {
  private count = 0;
  private windowStart = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** One more event; true when it is over the limit of the current window. */
  add(now: number): boolean {
    if (now - this.windowStart > this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    return ++this.count > this.max;
  }
}
