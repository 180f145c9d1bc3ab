import type { ListenerConfig } from '../config/types.js';
import type { CidrSet } from '../net/cidr.js';
import type { Service } from '../pool/service.js';
import type { ClientConnection } from './client-connection.js';
import type { HttpParseError } from './h1/parse-error.js';
import type { Router } from './router.js';

/** Where a matched route sends a request. */
export interface RouteTarget {
  service: Service;
}

/** What a client connection needs from its listener; swapped as a whole on reload. */
export interface HttpListenerState {
  config: ListenerConfig;
  router: Router<RouteTarget>;
  trusted: CidrSet;
  proto: 'http' | 'https';
  connections: Set<ClientConnection>;
  onRefusal?: (error: HttpParseError, peerIp: string) => void;
}
