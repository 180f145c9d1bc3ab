import type { Backend } from '../pool/backend.js';
import { LeastLoaded } from './least-loaded.js';

/** Fewest open connections per unit of weight (active / weight); ties rotate. */
export class LeastConnections extends LeastLoaded {
  readonly name = 'least-connections';

  constructor(backends: readonly Backend[]) {
    super(backends);
    this.initialize();
  }

  protected scoreOf(backend: Backend, out: Float64Array): void {
    out[0] = backend.active / backend.effectiveWeight();
  }
}
