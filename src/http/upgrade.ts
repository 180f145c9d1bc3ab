// A backend accepted a WebSocket upgrade: the 101 is relayed and both connections become a tunnel.
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import type { ExchangeClient } from './exchange-client.js';
import type { ResponseHead } from './h1/response-head.js';
import { switchingProtocolsHead, Tunnel } from './tunnel.js';
import type { UpstreamConnection } from './upstream/connection.js';

/**
 * Relay the 101 and hand both sockets to a Tunnel; false when the 101 is not a valid WebSocket
 * upgrade (nothing was written). The backend's `active` is raised for the tunnel's lifetime, so
 * least-connections sees every open WebSocket after the request itself is released.
 */
export function upgradeToTunnel(
  client: ExchangeClient,
  conn: UpstreamConnection,
  service: Service,
  backend: Backend,
  head: ResponseHead,
  buf: Buffer,
  rest: number,
  extraLines: string,
): boolean {
  const out = switchingProtocolsHead(head, extraLines);
  if (out === null) return false;
  client.write(out);
  backend.tunnel(1);
  const early = client.detachForTunnel();
  new Tunnel(client.socket, conn, service, backend, service.config.timeouts.tunnelIdle, early, rest < buf.length ? buf.subarray(rest) : null);
  return true;
}
