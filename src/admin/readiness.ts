// What GET /readyz answers: whether this instance should be sent new traffic (keepalived's
// vrrp_script, an orchestrator, a load balancer in front), and if not, why.
import type { Fulcrum } from '../fulcrum.js';
import type { Backend } from '../pool/backend.js';

export interface Readiness {
  ready: boolean;
  /** empty when ready; one line per thing that is wrong */
  reasons: string[];
}

/**
 * Ready = not stopping, every configured listener bound, and every service has a backend that
 * can serve: healthy, not ejected, not draining, weight above 0. A backend at its maxConnections
 * still counts (being full is load, not a fault; readiness must not flap with traffic). Panic mode
 * does not count: it sends traffic to unhealthy backends for want of better, and a peer whose
 * backends are healthy is better.
 */
export function readiness(fulcrum: Fulcrum): Readiness {
  const reasons: string[] = [];
  if (fulcrum.stopping) reasons.push('stopping: draining the requests in flight, taking no new connections');
  const bound = new Set(fulcrum.listenerNames());
  for (const listener of fulcrum.config.listeners) {
    if (!bound.has(listener.name)) reasons.push(`listener ${listener.name}: not bound (${listener.address.host}:${listener.address.port})`);
  }
  for (const service of fulcrum.services.values()) {
    if (!service.backends.some(canServe)) reasons.push(`service ${service.name}: no backend can serve (${describe(service.backends)})`);
  }
  return { ready: reasons.length === 0, reasons };
}

function canServe(backend: Backend): boolean {
  return backend.healthy && !backend.ejected && !backend.draining && backend.weight > 0;
}

/** "2 unhealthy, 1 draining" */
function describe(backends: readonly Backend[]): string {
  const counts = new Map<string, number>();
  for (const backend of backends) {
    const why = backend.draining ? 'draining' : backend.weight === 0 ? 'weight 0' : backend.ejected ? 'ejected' : 'unhealthy';
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  return [...counts].map(([why, n]) => `${n} ${why}`).join(', ');
}
