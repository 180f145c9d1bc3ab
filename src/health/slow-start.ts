import type { Backend } from '../pool/backend.js';

/** A ramp starts here, not at 0: a weight of 0 would take the backend out of rotation (Envoy's min_weight_percent). */
export const SLOW_START_FLOOR = 0.1;
const TICK_MS = 100;

interface Ramp {
  startedAt: number;
  durationMs: number;
}

/**
 * Ramps the effective weight of new and recovered backends linearly from a floor to their
 * full weight. A coarse timer updates Backend.slowStartFactor while any ramp runs, so
 * the data path never reads the clock for it; each update moves the availability epoch,
 * which makes indexed balancers (least-connections' heap) re-read the weights.
 */
export class SlowStart {
  private readonly ramps = new Map<Backend, Ramp>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private durationMs: number,
    private readonly now: () => number = Date.now,
    /** tests drive tick() by hand with 0 */
    private readonly tickMs = TICK_MS,
  ) {}

  /** A new ramp length for ramps started from now on. */
  setDuration(durationMs: number): void {
    this.durationMs = durationMs;
    if (durationMs <= 0) this.stop();
  }

  start(backend: Backend): void {
    if (this.durationMs <= 0) return;
    this.ramps.set(backend, { startedAt: this.now(), durationMs: this.durationMs });
    backend.slowStartFactor = SLOW_START_FLOOR;
    if (this.timer === null && this.tickMs > 0) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  /** Ends a ramp at full weight (the backend went away or down). */
  cancel(backend: Backend): void {
    if (!this.ramps.delete(backend)) return;
    backend.slowStartFactor = 1;
    if (this.ramps.size === 0) this.clearTimer();
  }

  ramping(backend: Backend): boolean {
    return this.ramps.has(backend);
  }

  tick(): void {
    const now = this.now();
    for (const [backend, ramp] of this.ramps) {
      const factor = (now - ramp.startedAt) / ramp.durationMs;
      if (factor >= 1) {
        backend.slowStartFactor = 1;
        this.ramps.delete(backend);
      } else {
        backend.slowStartFactor = factor > SLOW_START_FLOOR ? factor : SLOW_START_FLOOR;
      }
    }
    if (this.ramps.size === 0) this.clearTimer();
  }

  /** Every ramp ends at full weight. */
  stop(): void {
    for (const backend of this.ramps.keys()) backend.slowStartFactor = 1;
    this.ramps.clear();
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
