// Backend connections that are not plain TCP: TLS (re-encryption) and/or a PROXY header first.
// Only new connections come here; the plain path in connection.ts never does.
import net from 'node:net';
import tls from 'node:tls';
import type { ServiceConfig } from '../../config/types.js';
import { encodeProxyHeader } from '../../net/proxy-protocol.js';
import { socketAddresses } from '../../net/proxy-accept.js';
import type { Backend } from '../../pool/backend.js';
import { backendTlsOptions } from '../../tls/client-options.js';
import type { Peer } from '../forwarding.js';
import type { UpstreamTransport } from './connection.js';

/** The client a PROXY header to the backend speaks of. */
export interface TransportClient {
  readonly socket: net.Socket;
  readonly peer: Peer;
}

/** The transport of a service's backend connections; null for plain TCP. */
export function serviceTransport(config: ServiceConfig, host: string, client: TransportClient): UpstreamTransport | null {
  if (config.tls === undefined && config.proxyProtocol === undefined) return null;
  let proxyHeader: Buffer | null = null;
  if (config.proxyProtocol !== undefined) {
    const addresses = socketAddresses(client.socket);
    addresses.source.ip = client.peer.ip; // the real client, after a trusted PROXY header
    proxyHeader = encodeProxyHeader(config.proxyProtocol, addresses);
  }
  return { tls: config.tls === undefined ? null : backendTlsOptions(config.tls, host), proxyHeader };
}

export function connectWithTransport(backend: Backend, transport: UpstreamTransport, onRead: (length: number, buffer: Buffer) => boolean): net.Socket {
  const { host, port } = backend;
  let socket: net.Socket;
  if (transport.tls === null) {
    socket = net.connect({ host, port, noDelay: true });
    socket.write(transport.proxyHeader!);
  } else if (transport.proxyHeader !== null) {
    const raw = net.connect({ host, port, noDelay: true });
    raw.write(transport.proxyHeader);
    socket = tls.connect({ ...transport.tls, socket: raw });
    raw.on('error', (error) => socket.destroy(error));
  } else {
    socket = tls.connect({ ...transport.tls, host, port });
    socket.setNoDelay(true);
  }
  socket.on('data', (chunk: Buffer) => onRead(chunk.length, chunk));
  return socket;
}
