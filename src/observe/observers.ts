import type { AccessLog } from './access-log.js';
import { TrafficStatsRegistry } from './traffic-stats.js';

/** What the data path reports to: counters for /metrics and the optional access log. */
export interface Observers {
  stats: TrafficStatsRegistry;
  accessLog: AccessLog | null;
}

export function createObservers(accessLog: AccessLog | null = null): Observers {
  return { stats: new TrafficStatsRegistry(), accessLog };
}
