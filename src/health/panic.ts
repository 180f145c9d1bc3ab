import type { Backend } from '../pool/backend.js';

/**
 * Whether a service is in panic mode (Envoy's healthy_panic_threshold): fewer than
 * `thresholdPercent` of its backends in rotation are healthy and not ejected. Then health
 * is ignored and traffic is spread over all of them, because sending every request to the
 * few left (or answering none) is worse than trying the ones the checks doubt. Backends an
 * operator took out (draining, weight 0) are not counted. 0 disables panic mode.
 */
export function inPanic(backends: readonly Backend[], thresholdPercent: number): boolean {
  if (thresholdPercent <= 0) return false;
  let total = 0;
  let healthy = 0;
  for (const backend of backends) {
    // nor are backends still waiting for their first check (initialState: unhealthy)
    if (backend.draining || backend.weight === 0 || (backend.healthStatus === 'unknown' && !backend.healthy)) continue;
    total++;
    if (backend.healthy && !backend.ejected) healthy++;
  }
  return total > 0 && healthy * 100 < thresholdPercent * total;
}
