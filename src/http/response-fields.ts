// Which fields of a backend's response reach the client: one rule for HTTP/1.1 and HTTP/2 clients.
import { LOAD_HEADER } from '../balancing/load-report.js';
import { isHopByHop } from './forwarding.js';

const HSTS_FIELD = 'strict-transport-security';

/**
 * Whether a response field (by its lower-case name) is relayed to the client: never hop-by-hop
 * or framing fields; not X-Backend-Load when the service's algorithm reads it (`hideLoadReport`);
 * not the backend's Strict-Transport-Security when the listener sets its own (`replaceHsts`).
 */
export function relaysResponseField(lowerName: string, connectionTokens: readonly string[] | null, hideLoadReport: boolean, replaceHsts: boolean): boolean {
  if (isHopByHop(lowerName, connectionTokens)) return false;
  if (hideLoadReport && lowerName === LOAD_HEADER) return false;
  return !(replaceHsts && lowerName === HSTS_FIELD);
}
