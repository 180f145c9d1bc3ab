import type { Backend } from '../pool/backend.js';
import { LeastLoaded } from './least-loaded.js';

/**
 * Fewest open connections per unit of weight (active / weight); ties rotate. `active` counts L4
 * connections, HTTP/1.1 requests (one upstream socket each), HTTP/2 streams (not sessions) and
 * open WebSocket tunnels (see Backend.active).
 */
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
