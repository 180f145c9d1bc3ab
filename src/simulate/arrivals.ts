import type { Prng } from './prng.js';
import type { Scenario } from './scenario-schema.js';

/**
 * When requests arrive: Poisson at `rate`, or Poisson whose rate switches to `burstRate` for
 * `burstLength` every `every` (bursts). Times in ms.
 */
export class Arrivals {
  private readonly rate: number;
  private readonly burstRate: number;
  private readonly every: number;
  private readonly burstLength: number;

  constructor(
    spec: Scenario['arrivals'],
    private readonly rng: Prng,
  ) {
    this.rate = spec.rate / 1000;
    this.burstRate = spec.type === 'bursts' ? spec.burstRate / 1000 : this.rate;
    this.every = spec.type === 'bursts' ? spec.every : 0;
    this.burstLength = spec.type === 'bursts' ? spec.burstLength : 0;
  }

  /** requests per ms over the long run */
  get meanRate(): number {
    return this.every > 0 ? this.rate + ((this.burstRate - this.rate) * this.burstLength) / this.every : this.rate;
  }

  /** The next arrival after `now`. */
  next(now: number): number {
    if (this.every === 0) return now - Math.log(1 - this.rng.next()) / this.rate;
    // piecewise-constant rate: draw in the current phase; crossing into the next one, draw again from its start (memoryless)
    let t = now;
    for (;;) {
      const phase = t % this.every;
      const inBurst = phase < this.burstLength;
      const rate = inBurst ? this.burstRate : this.rate;
      const boundary = t - phase + (inBurst ? this.burstLength : this.every);
      const next = t - Math.log(1 - this.rng.next()) / rate;
      if (next < boundary) return next;
      t = boundary;
    }
  }
}
