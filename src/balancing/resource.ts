import type { Backend } from '../pool/backend.js';
import { wasTried, type Balancer, type BalancerOptions, type PickContext } from './balancer.js';
import { DEFAULT_LOAD_REPORT_TTL_MS, LOAD_WEIGHT_FLOOR } from './load-report.js';

/**
 * Smooth weighted round robin over weights scaled by each backend's reported headroom
 * (see load-report.ts): a backend at 80 % load gets a fifth of its configured share.
 * Stale reports expire and the backend falls back to its configured weight.
 */
export class ResourceBalancer implements Balancer {
  readonly name = 'resource';
  readonly usesKey = false;
  private readonly current: Float64Array;
  /** undefined: performance.now(), called directly so the time is not boxed on return */
  private readonly now: (() => number) | undefined;
  private readonly ttlMs: number;

  constructor(
    private readonly backends: readonly Backend[],
    options: BalancerOptions,
  ) {
    this.current = new Float64Array(backends.length);
    this.now = options.now;
    this.ttlMs = options.loadReportTtlMs ?? DEFAULT_LOAD_REPORT_TTL_MS;
  }

  pick(_ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const list = this.backends;
    const current = this.current;
    const now = this.now === undefined ? performance.now() : this.now();
    const ttl = this.ttlMs;
    let total = 0;
    let best = -1;
    for (let i = 0; i < list.length; i++) {
      const backend = list[i]!;
      if (!backend.available() || (tried.length !== 0 && wasTried(tried, backend))) continue;
      // inline rather than loadAdjustedWeight(), whose returned double would be boxed per backend
      let weight = backend.effectiveWeight();
      const load = backend.reportedLoad;
      // biome-ignore lint/suspicious/noSelfCompare: `load === load` is the NaN test (no report yet), without a call on the hot path
      if (load === load && now - backend.reportedAt <= ttl) weight *= load < 1 - LOAD_WEIGHT_FLOOR ? 1 - load : LOAD_WEIGHT_FLOOR;
      if (!(weight > 0)) continue;
      current[i]! += weight;
      total += weight;
      if (best === -1 || current[i]! > current[best]!) best = i;
    }
    if (best === -1) return undefined;
    current[best]! -= total;
    return list[best];
  }
}
