// The per-client connection counts one rate-limit middleware holds in the StateStore, kept alive
// while held: each count lives CONNECTION_COUNT_TTL_MS in the store unless refreshed, and one timer
// (running only while something is held) refreshes every held key. So the counts of an instance
// that died expire instead of holding its clients' connection slots for ever.
import type { StateStore } from '../../state/state-store.js';
import { isPromise } from '../../state/state-store.js';

export const CONNECTION_COUNT_TTL_MS = 30_000;
const REFRESH_EVERY_MS = CONNECTION_COUNT_TTL_MS / 3;

function ignore(): void {}

export class HeldCounts {
  /** key → connections of this instance counted under it */
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: StateStore) {}

  /** Count one more connection under `key`; answers the total across instances. Throws (holding nothing) when the store refuses at once. */
  add(key: string): ReturnType<StateStore['increment']> {
    const total = this.store.increment(key, 1, CONNECTION_COUNT_TTL_MS);
    this.held.set(key, (this.held.get(key) ?? 0) + 1);
    if (this.timer === null) {
      this.timer = setInterval(() => this.refresh(), REFRESH_EVERY_MS);
      this.timer.unref();
    }
    return total;
  }

  /** A connection counted under `key` closed. */
  remove(key: string): void {
    const left = (this.held.get(key) ?? 1) - 1;
    if (left > 0) this.held.set(key, left);
    else this.held.delete(key);
    if (this.held.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.change(key, -1);
  }

  private refresh(): void {
    for (const key of this.held.keys()) this.change(key, 0);
  }

  /** Nobody waits for a release or a refresh; a store that is down (onError: closed refuses at once) is let be. */
  private change(key: string, by: number): void {
    try {
      const total = this.store.increment(key, by, CONNECTION_COUNT_TTL_MS);
      if (isPromise(total)) total.catch(ignore);
      else if (by < 0 && total <= 0) void this.store.delete(key);
    } catch {
      // the store is down; the share expires by itself
    }
  }
}
