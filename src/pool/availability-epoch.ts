/**
 * A counter that moves whenever a backend of one set changes its availability: health,
 * ejection, panic, slow-start factor, draining or weight. Indexed balancers (least-connections'
 * heap, bounded load) compare it on each pick and re-check availability only when it moved,
 * instead of calling available() on every backend. Each Service has its own, shared by its
 * backends, so a change in one service does not make another service's balancers re-check.
 */
export class AvailabilityEpoch {
  value = 0;
}

/** The epoch of backends created outside a Service (tests, tools): they share this one. */
export const UNOWNED_EPOCH = new AvailabilityEpoch();

/** The epoch a balancer over `backends` watches: their set's (a balancer's backends all come from one Service). */
export function epochOf(backends: readonly { readonly availabilityEpoch: AvailabilityEpoch }[]): AvailabilityEpoch {
  return backends.length > 0 ? backends[0]!.availabilityEpoch : new AvailabilityEpoch();
}
