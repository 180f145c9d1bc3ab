/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32): the same seed gives
 * the same stream on every machine, which is what makes a simulation's output byte-identical.
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** uniform in [0, 1) */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return (result >>> 0) / 4294967296;
  }

  /** an integer in [0, n) */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A new independent generator derived from this one (one per balancer, per arrival stream...). */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4294967296));
  }

  /** The generator as a `() => number`, the shape BalancerOptions.random takes. */
  asFunction(): () => number {
    return () => this.next();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
