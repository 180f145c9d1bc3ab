import type { RouteSettings } from '../config/route-settings.js';
import type { RoutedListenerConfig } from '../config/types.js';
import type { CidrSet } from '../net/cidr.js';
import type { Service } from '../pool/service.js';
import type { ClientConnection } from './client-connection.js';
import type { HttpParseError } from './h1/parse-error.js';
import type { Router } from './router.js';
import type { ListenerStats, RouteStats } from '../observe/traffic-stats.js';
import type { Observers } from '../observe/observers.js';
import type { StateStore } from '../state/state-store.js';
import type { CompiledChain } from './middleware/chain.js';

/** Where a matched route sends a request, and where its traffic is counted. */
export interface RouteTarget {
  service: Service;
  stats: RouteStats;
  /** the route's middlewares, compiled at load; null when it has none (the data path then pays nothing) */
  middlewares: CompiledChain | null;
  /** the route's timeouts and body limit, its own or its service's and listener's (resolved at load) */
  settings: RouteSettings;
}

/** What a client connection needs from its listener; swapped as a whole on reload. */
export interface HttpListenerState {
  config: RoutedListenerConfig;
  router: Router<RouteTarget>;
  trusted: CidrSet;
  proto: 'http' | 'https';
  connections: Set<ClientConnection>;
  stats: ListenerStats;
  observers: Observers;
  /** rate-limit buckets and per-client connection counts (one per Fulcrum, kept across reloads) */
  store: StateStore;
  onRefusal?: (error: HttpParseError, peerIp: string) => void;
  /** http listeners with redirectToHttps: every request gets a 301 to this port; 0 = off */
  redirectToHttpsPort: number;
  /** https listeners with hsts: the Strict-Transport-Security field line; '' = none */
  hsts: string;
}
