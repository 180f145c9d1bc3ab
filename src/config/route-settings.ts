// A route's effective timeouts and body limit: its own where it sets them, else its service's
// timeouts and its listener's limits. Resolved once at load (normalize.ts writes them on the route,
// so a reload that changes the service's timeouts changes the listener too); the data path reads numbers.
import type { HttpLimits, RouteConfig, ServiceTimeouts } from './types.js';

/** In ms and bytes; what the data path of one route reads. */
export interface RouteSettings {
  /** until the first byte of the response head */
  responseTimeout: number;
  /** between two reads or writes of a body */
  idleTimeout: number;
  /** 413 beyond; 0 = unlimited */
  maxBodyBytes: number;
}

export function resolveRouteSettings(
  route: Pick<RouteConfig, 'timeouts' | 'limits'>,
  service: Pick<ServiceTimeouts, 'response' | 'idle'>,
  listener: Pick<HttpLimits, 'maxBodyBytes'>,
): RouteSettings {
  return {
    responseTimeout: route.timeouts?.response ?? service.response,
    idleTimeout: route.timeouts?.idle ?? service.idle,
    maxBodyBytes: route.limits?.maxBodyBytes ?? listener.maxBodyBytes,
  };
}
