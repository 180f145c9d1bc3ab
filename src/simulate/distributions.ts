import type { Prng } from './prng.js';

/** A request cost (ms of work at speed 1) or an interval, as a scenario file writes it. */
export type DistributionSpec =
  | { type: 'constant'; value: number }
  | { type: 'exponential'; mean: number }
  | { type: 'uniform'; min: number; max: number }
  /** e.g. 95% 10 ms and 5% 2 s: `{ type: bimodal, fast: 10ms, slow: 2s, slowShare: 0.05 }` */
  | { type: 'bimodal'; fast: number; slow: number; slowShare: number }
  /** heavy tail: P(X > x) = (scale / x)^alpha for x ≥ scale, optionally capped at max */
  | { type: 'pareto'; scale: number; alpha: number; max?: number | undefined };

export type Sampler = (rng: Prng) => number;

/** Compiles a spec once into a sampler; drawing allocates nothing. */
export function sampler(spec: DistributionSpec): Sampler {
  switch (spec.type) {
    case 'constant': {
      const value = spec.value;
      return () => value;
    }
    case 'exponential': {
      const mean = spec.mean;
      return (rng) => -mean * Math.log(1 - rng.next());
    }
    case 'uniform': {
      const { min, max } = spec;
      return (rng) => min + (max - min) * rng.next();
    }
    case 'bimodal': {
      const { fast, slow, slowShare } = spec;
      return (rng) => (rng.next() < slowShare ? slow : fast);
    }
    case 'pareto': {
      const { scale, alpha } = spec;
      const max = spec.max ?? Number.POSITIVE_INFINITY;
      const inverse = -1 / alpha;
      return (rng) => Math.min(max, scale * (1 - rng.next()) ** inverse);
    }
  }
}

/** The expected value (the pareto's with its cap ignored), to size loads and time series. */
export function meanOf(spec: DistributionSpec): number {
  switch (spec.type) {
    case 'constant':
      return spec.value;
    case 'exponential':
      return spec.mean;
    case 'uniform':
      return (spec.min + spec.max) / 2;
    case 'bimodal':
      return spec.fast * (1 - spec.slowShare) + spec.slow * spec.slowShare;
    case 'pareto':
      return spec.alpha > 1 ? (spec.alpha * spec.scale) / (spec.alpha - 1) : (spec.max ?? spec.scale * 100);
  }
}

/** In words, for tables and charts: "bimodal 95% 10 ms / 5% 2000 ms". */
export function describeDistribution(spec: DistributionSpec): string {
  switch (spec.type) {
    case 'constant':
      return `constant ${spec.value} ms`;
    case 'exponential':
      return `exponential, mean ${spec.mean} ms`;
    case 'uniform':
      return `uniform ${spec.min}..${spec.max} ms`;
    case 'bimodal':
      return `bimodal ${round((1 - spec.slowShare) * 100)}% ${spec.fast} ms / ${round(spec.slowShare * 100)}% ${spec.slow} ms`;
    case 'pareto':
      return `pareto scale ${spec.scale} ms, alpha ${spec.alpha}${spec.max === undefined ? '' : `, max ${spec.max} ms`}`;
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
