import type { Backend } from '../pool/backend.js';
import type { BalancerOptions, Outcome } from './balancer.js';
import { LeastLoaded } from './least-loaded.js';

const DEFAULT_DECAY_MS = 10_000;
/** latencyEwma 0 means "no sample", so a real sample is never stored below this */
const MIN_LATENCY_MS = 0.001;

/**
 * Peak EWMA, after Finagle and Linkerd: cost = latency average × (outstanding + 1) / weight.
 * A sample above the average replaces it at once (peak), one below blends in with weight
 * 1 − e^(−Δt/τ); between samples the average decays toward zero, so a backend that was slow
 * gets probed again after a while and wins its traffic back once it has recovered.
 *
 * Decay is exact without a timer: cost × e^(−(now − at)/τ) ranks backends the same way as
 * ln(cost) + at/τ (the −now/τ term is common to all), so scores change only when a sample
 * or the outstanding count does, and pick needs no clock at all.
 *
 * A backend without samples (just added) is scored with the service's average latency,
 * so it gets a normal share until its own samples arrive: neither flooded as "0 ms" nor
 * starved as "unknown".
 */
export class LeastResponseTime extends LeastLoaded {
  readonly name = 'least-response-time';
  /** undefined: performance.now(), called directly so the time is not boxed on return */
  private readonly now: (() => number) | undefined;
  private readonly decayMs: number;
  /** decaying average latency over all backends, for backends without samples; 0 = none yet */
  private priorCost = 0;
  private priorAt = 0;
  private priorScore = 0;

  constructor(backends: readonly Backend[], options: BalancerOptions) {
    super(backends);
    this.now = options.now;
    this.decayMs = options.decayMs ?? DEFAULT_DECAY_MS;
    this.seedPrior();
    this.initialize();
  }

  override onEnd(backend: Backend, outcome: Outcome, latencyMs: number): void {
    const t = this.now === undefined ? performance.now() : this.now();
    let rtt = latencyMs > MIN_LATENCY_MS ? latencyMs : MIN_LATENCY_MS;
    const cost = backend.latencyEwma;
    // A failure may come back fast (connection refused): it must never make a backend look better.
    if (outcome !== 'success' && rtt < cost) rtt = cost;
    if (cost === 0 || rtt > cost) {
      backend.latencyEwma = rtt;
    } else {
      const w = Math.exp(-Math.max(t - backend.latencyAt, 0) / this.decayMs);
      backend.latencyEwma = cost * w + rtt * (1 - w);
    }
    backend.latencyAt = t;
    const hadPrior = this.priorCost > 0;
    this.observePrior(rtt, t);
    if (hadPrior) super.onEnd(backend, outcome, latencyMs);
    else this.rebuild(); // the first sample gives every unsampled backend a comparable score
  }

  protected scoreOf(backend: Backend, out: Float64Array): void {
    const cost = backend.latencyEwma;
    const base = cost > 0 ? Math.log(cost) + backend.latencyAt / this.decayMs : this.priorScore;
    out[0] = base + Math.log(backend.inflight + 1) - Math.log(backend.effectiveWeight());
  }

  private observePrior(rtt: number, t: number): void {
    if (this.priorCost === 0) {
      this.priorCost = rtt;
    } else {
      const w = Math.exp(-Math.max(t - this.priorAt, 0) / this.decayMs);
      this.priorCost = this.priorCost * w + rtt * (1 - w);
    }
    this.priorAt = t;
    this.priorScore = Math.log(this.priorCost) + t / this.decayMs;
  }

  /** After a rebuild, start the prior from the mean decayed cost of the backends that have one. */
  private seedPrior(): void {
    let sum = 0;
    let count = 0;
    let latest = 0;
    for (const backend of this.backends) {
      if (backend.latencyEwma > 0) {
        sum += Math.log(backend.latencyEwma) + backend.latencyAt / this.decayMs;
        count++;
        if (backend.latencyAt > latest) latest = backend.latencyAt;
      }
    }
    if (count === 0) return;
    this.priorScore = sum / count;
    this.priorAt = latest;
    this.priorCost = Math.exp(this.priorScore - latest / this.decayMs);
  }
}
