/** A backend's health as the checks see it: unknown until the first result. */
export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

export interface Transition {
  from: HealthStatus;
  to: 'healthy' | 'unhealthy';
  /** the result that tipped it: the probe's error message, or "ok" */
  reason: string;
}

/**
 * Rise/fall thresholds over consecutive results, shared by active checks and outlier
 * detection. It goes down after `fall` failures in a row and up after `rise` successes in
 * a row; any other result resets the opposite streak, so a flapping backend never moves.
 * From `unknown`, the first result decides: a backend not yet checked has no streak to
 * keep (HAProxy does the same with its initial state).
 */
export class HealthStateMachine {
  status: HealthStatus;
  private successes = 0;
  private failures = 0;

  constructor(
    readonly rise: number,
    readonly fall: number,
    initial: HealthStatus = 'unknown',
  ) {
    this.status = initial;
  }

  /** Feeds one result; returns the transition it caused, or null. */
  record(ok: boolean, reason = 'ok'): Transition | null {
    const from = this.status;
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (from === 'healthy') return null;
      if (from === 'unknown' || this.successes >= this.rise) return this.move('healthy', reason);
      return null;
    }
    this.successes = 0;
    this.failures++;
    if (from === 'unhealthy') return null;
    if (from === 'unknown' || this.failures >= this.fall) return this.move('unhealthy', reason);
    return null;
  }

  /** Starts over in a given state (an ejection that ended, a reset by an operator). */
  reset(status: HealthStatus): void {
    this.status = status;
    this.successes = 0;
    this.failures = 0;
  }

  private move(to: 'healthy' | 'unhealthy', reason: string): Transition {
    const from = this.status;
    this.status = to;
    this.successes = 0;
    this.failures = 0;
    return { from, to, reason };
  }
}
