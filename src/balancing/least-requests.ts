import type { Backend } from '../pool/backend.js';
import { LeastLoaded } from './least-loaded.js';

/**
 * Fewest outstanding requests per unit of weight (inflight / weight). The same as
 * least-connections over HTTP/1.1; over HTTP/2 and gRPC it counts streams, which is what
 * loads a backend when many requests share one connection.
 */
export class LeastRequests extends LeastLoaded {
  readonly name = 'least-requests';

  constructor(backends: readonly Backend[]) {
    super(backends);
    this.initialize();
  }

  protected scoreOf(backend: Backend, out: Float64Array): void {
    out[0] = backend.inflight / backend.effectiveWeight();
  }
}
