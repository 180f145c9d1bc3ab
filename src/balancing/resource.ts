import type { Backend } from '../pool/backend.js';
import { wasTried, type Balancer, type BalancerOptions, type PickContext } from './balancer.js';
import { DEFAULT_LOAD_REPORT_TTL_MS, loadAdjustedWeight } from './load-report.js';

/**
 * Smooth weighted round robin over weights scaled by each backend's reported headroom
 * (see load-report.ts): a backend at 80 % load gets a fifth of its configured share.
 * Stale reports expire and the backend falls back to its configured weight.
 */
export class ResourceBalancer implements Balancer {
  readonly name = 'resource';
  readonly usesKey = false;
  private readonly current: Float64Array;
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(
    private readonly backends: readonly Backend[],
    options: BalancerOptions,
  ) {
    this.current = new Float64Array(backends.length);
    this.now = options.now ?? defaultNow;
    this.ttlMs = options.loadReportTtlMs ?? DEFAULT_LOAD_REPORT_TTL_MS;
  }

  pick(_ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const list = this.backends;
    const current = this.current;
    const now = this.now();
    let total = 0;
    let best = -1;
    for (let i = 0; i < list.length; i++) {
      const backend = list[i]!;
      if (!backend.available() || (tried.length !== 0 && wasTried(tried, backend))) continue;
      const weight = loadAdjustedWeight(backend, now, this.ttlMs);
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

function defaultNow(): number {
  return performance.now();
}
