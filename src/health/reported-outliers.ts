// Passive health where the detector runs elsewhere (a worker: the main thread runs it): the same
// consecutive-failure count as OutlierDetector, and at `maxFails` the failure is reported instead of
// acted on. The main thread's OutlierDetector decides (maxEjectionPercent, the ejection's length)
// and the ejection reaches every worker with the backends' state.
import type { Outcome } from '../balancing/balancer.js';
import type { PassiveHealthConfig } from '../config/types.js';
import type { Backend } from '../pool/backend.js';
import { countFailure, failureReason } from './outlier-detector.js';

/** Told that `backend` of `service` failed maxFails times in a row, and the reason for the log. */
export type EjectionReporter = (service: string, backend: string, reason: string) => void;

/** What the data path feeds every finished request or connection to (Service.endOn). */
export interface OutcomeRecorder {
  record(backend: Backend, outcome: Outcome, status: number): void;
}

export class ReportedOutliers implements OutcomeRecorder {
  constructor(
    private readonly service: string,
    public config: PassiveHealthConfig,
    private readonly report: EjectionReporter,
  ) {}

  record(backend: Backend, outcome: Outcome, status: number): void {
    if (!countFailure(this.config, backend, outcome, status)) return;
    const reason = failureReason(backend.consecutiveFailures, outcome, status);
    backend.consecutiveFailures = 0;
    this.report(this.service, backend.id, reason);
  }
}
