import type { AccessLog } from './access-log.js';
import { silentLogger, type Logger } from './logger.js';
import { TrafficStatsRegistry } from './traffic-stats.js';

/** What the data path reports to: counters for /metrics, the optional access log, the process log. */
export interface Observers {
  stats: TrafficStatsRegistry;
  accessLog: AccessLog | null;
  /** for what goes wrong inside a request that the process log should show (a middleware failing) */
  logger: Logger;
}

export function createObservers(accessLog: AccessLog | null = null, logger: Logger = silentLogger): Observers {
  return { stats: new TrafficStatsRegistry(), accessLog, logger };
}
