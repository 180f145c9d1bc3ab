// Reading an incoming PROXY header (v1 or v2) off a fresh socket, for listeners with
// `acceptProxyProtocol`: only sources in `trusted` may send one; a listener that accepts PROXY
// expects every connection to come through such a proxy, so other sources are closed at once.
import type net from 'node:net';
import type { CidrSet } from './cidr.js';
import { parseProxyHeader, unmapped, type ProxiedAddresses } from './proxy-protocol.js';

const MAX_HEADER = 16 + 65535;

export interface Accepted {
  /** the real client (from the header), or the socket's own ends for a LOCAL/UNKNOWN header */
  addresses: ProxiedAddresses;
  /** bytes that followed the header */
  rest: Buffer | null;
}

/** The socket's own ends, as a PROXY header to a backend describes a direct client. */
export function socketAddresses(socket: net.Socket): ProxiedAddresses {
  return {
    source: { ip: unmapped(socket.remoteAddress ?? '0.0.0.0'), port: socket.remotePort ?? 0 },
    destination: { ip: unmapped(socket.localAddress ?? '0.0.0.0'), port: socket.localPort ?? 0 },
  };
}

/**
 * Reads the header; `done` gets the addresses with the socket paused, or is never called when
 * the source is untrusted, the header malformed or late (the socket is destroyed and `refused` told why).
 */
export function acceptProxyHeader(socket: net.Socket, trusted: CidrSet, timeoutMs: number, done: (accepted: Accepted) => void, refused: (reason: string) => void): void {
  const peer = unmapped(socket.remoteAddress ?? '');
  if (!trusted.has(peer)) {
    socket.destroy();
    refused(`PROXY protocol from untrusted source ${peer}`);
    return;
  }
  let pending: Buffer | null = null;
  const timer = setTimeout(() => fail('no complete PROXY header in time'), timeoutMs);
  const fail = (reason: string): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.destroy();
    refused(reason);
  };
  const onData = (chunk: Buffer): void => {
    pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
    const result = parseProxyHeader(pending);
    if (result.kind === 'incomplete') {
      if (pending.length > MAX_HEADER) fail('PROXY header too long');
      return;
    }
    if (result.kind === 'error') {
      fail(`malformed PROXY header: ${result.reason}`);
      return;
    }
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    const rest = result.length < pending.length ? pending.subarray(result.length) : null;
    done({ addresses: result.addresses ?? socketAddresses(socket), rest });
  };
  const onEnd = (): void => fail('connection closed before the PROXY header');
  socket.on('error', noop);
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.resume();
}

function noop(): void {}
