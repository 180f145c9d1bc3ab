import type { Backend } from '../pool/backend.js';
import { LeastLoaded } from './least-loaded.js';

/**
 * Fewest outstanding requests per unit of weight (inflight / weight): streams over HTTP/2 and
 * gRPC, which is what loads a backend when many requests share one connection. Service.startOn
 * raises `active` per request and stream too, so least-connections counts the same, except
 * that it also counts open WebSocket tunnels.
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
