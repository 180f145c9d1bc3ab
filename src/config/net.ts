// Network values in the config: `host:port` addresses and CIDR blocks.
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** `1.2.3`, `300.1.1.1`, `01.2.3.4`: what is not an IPv4 address must not pass as a host name */
const NUMERIC_LAST_LABEL = /(^|\.)\d+$/;

export type ParsedAddress = { ok: true; value: HostPort } | { ok: false; message: string };

/** `0.0.0.0:8080`, `localhost:80`, `[::1]:9090`. Port 0 is allowed (ephemeral, for tests). */
export function parseHostPort(text: string): ParsedAddress {
  const expected = `expected host:port (e.g. 127.0.0.1:8080 or [::1]:8080), got ${JSON.stringify(text)}`;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]+):(\d+)$/.exec(text);
  const [, host, portText] = bracketed ?? plain ?? [];
  if (host === undefined) {
    const unbracketedV6 = text.split(':').length > 2 && !text.startsWith('[');
    return { ok: false, message: unbracketedV6 ? `${expected}; write IPv6 addresses as [addr]:port` : expected };
  }
  if (!bracketed && isIP(host) !== 4 && NUMERIC_LAST_LABEL.test(host)) {
    // a name's last label is never all digits (RFC 3696 2): this was meant as an IPv4 address
    return { ok: false, message: `${JSON.stringify(host)} is not a valid IPv4 address: four numbers 0-255 without leading zeros (01.2.3.4 would be read as octal by some resolvers)` };
  }
  if (bracketed ? isIP(host) !== 6 : !(isIP(host) === 4 || HOSTNAME.test(host))) {
    return { ok: false, message: `${JSON.stringify(host)} is not a valid ${bracketed ? 'IPv6 address' : 'host name or IPv4 address'}` };
  }
  const port = Number(portText);
  if (port > 65535) return { ok: false, message: `port must be 0..65535, got ${portText}` };
  return { ok: true, value: { host, port } };
}

/** The canonical text of an address, to compare two addresses written differently. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128). */
export function isValidCidr(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Whether only this machine can reach `host`: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower === '::1' || lower === '0:0:0:0:0:0:0:1' || (isIP(host) === 4 && host.startsWith('127.'));
}
