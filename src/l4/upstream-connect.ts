// Opening the backend side of an L4 connection: plain TCP reading into a reusable buffer (the fast
// path), or with a PROXY header first and/or TLS on top (the service's transport settings).
import net from 'node:net';
import tls from 'node:tls';
import type { ProxyProtocolVersion, ServiceConfig } from '../config/types.js';
import type { Backend } from '../pool/backend.js';
import { backendTlsOptions } from '../tls/client-options.js';
import { encodeProxyHeader, type ProxiedAddresses } from '../net/proxy-protocol.js';

export interface UpstreamHandlers {
  /** where the next plain read lands */
  nextReadBuffer: () => Buffer;
  /** bytes from the backend; return false to pause reading */
  onRead: (length: number, buffer: Buffer) => boolean;
  /** connected (and for TLS, handshake done): the client's bytes may flow */
  onConnect: () => void;
}

/** Connects to `backend`; 'connect' is reported through handlers.onConnect, everything else as socket events. */
export function connectUpstream(backend: Backend, service: ServiceConfig, addresses: ProxiedAddresses | null, h: UpstreamHandlers): net.Socket {
  const proxyProtocol: ProxyProtocolVersion | undefined = service.proxyProtocol;
  const tlsConfig = service.tls;
  if (tlsConfig === undefined) {
    const socket = net.connect({
      host: backend.host,
      port: backend.port,
      noDelay: true,
      allowHalfOpen: true,
      onread: { buffer: h.nextReadBuffer, callback: h.onRead },
    });
    if (proxyProtocol !== undefined && addresses !== null) socket.write(encodeProxyHeader(proxyProtocol, addresses));
    socket.once('connect', h.onConnect);
    return socket;
  }
  const options = backendTlsOptions(tlsConfig, backend.host);
  let socket: tls.TLSSocket;
  if (proxyProtocol !== undefined && addresses !== null) {
    // the PROXY header goes before the TLS handshake, in the clear
    const raw = net.connect({ host: backend.host, port: backend.port, noDelay: true });
    raw.write(encodeProxyHeader(proxyProtocol, addresses));
    socket = tls.connect({ ...options, socket: raw, allowHalfOpen: true } as tls.ConnectionOptions);
    raw.on('error', (error) => socket.destroy(error));
  } else {
    socket = tls.connect({ ...options, host: backend.host, port: backend.port, allowHalfOpen: true } as tls.ConnectionOptions);
  }
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    if (!h.onRead(chunk.length, chunk)) socket.pause();
  });
  socket.once('secureConnect', h.onConnect);
  return socket;
}
