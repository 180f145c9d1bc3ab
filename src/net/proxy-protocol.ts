// PROXY protocol v1 (text) and v2 (binary), both ways, after the HAProxy specification
// (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt). Hand-written, strict bounds.
import { isIPv4, isIPv6 } from 'node:net';
import type { ProxyProtocolVersion } from '../config/types.js';

export interface Endpoint {
  ip: string;
  port: number;
}

/** Who connected (source) and to which address (destination), as a proxy in front saw it. */
export interface ProxiedAddresses {
  source: Endpoint;
  destination: Endpoint;
}

export type ProxyHeaderResult =
  | { kind: 'incomplete' }
  | { kind: 'error'; reason: string }
  /** `addresses` is null for LOCAL (v2) and UNKNOWN (v1): the proxy's own connection, e.g. a health check */
  | { kind: 'ok'; length: number; addresses: ProxiedAddresses | null };

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V1_MAX = 107; // the longest v1 line, CRLF included
const INCOMPLETE = { kind: 'incomplete' } as const;

// --- encoding ---

export function encodeProxyHeader(version: ProxyProtocolVersion, addresses: ProxiedAddresses, datagram = false): Buffer {
  return version === 'v1' ? encodeV1(addresses) : encodeV2(addresses, datagram);
}

/** The same family on both sides: an IPv4 peer of an IPv6 socket is written as its mapped form. */
function sameFamily({ source, destination }: ProxiedAddresses): { v6: boolean; src: string; dst: string } {
  const src = unmapped(source.ip);
  const dst = unmapped(destination.ip);
  if (isIPv4(src) && isIPv4(dst)) return { v6: false, src, dst };
  return { v6: true, src: isIPv4(src) ? `::ffff:${src}` : src, dst: isIPv4(dst) ? `::ffff:${dst}` : dst };
}

function encodeV1(addresses: ProxiedAddresses): Buffer {
  const { v6, src, dst } = sameFamily(addresses);
  return Buffer.from(`PROXY ${v6 ? 'TCP6' : 'TCP4'} ${src} ${dst} ${addresses.source.port} ${addresses.destination.port}\r\n`, 'latin1');
}

function encodeV2(addresses: ProxiedAddresses, datagram: boolean): Buffer {
  const { v6, src, dst } = sameFamily(addresses);
  const addressBytes = v6 ? 36 : 12;
  const out = Buffer.alloc(16 + addressBytes);
  V2_SIGNATURE.copy(out, 0);
  out[12] = 0x21; // version 2, PROXY
  out[13] = (v6 ? 0x20 : 0x10) | (datagram ? 0x02 : 0x01);
  out.writeUInt16BE(addressBytes, 14);
  if (v6) {
    writeIPv6(out, 16, src);
    writeIPv6(out, 32, dst);
    out.writeUInt16BE(addresses.source.port, 48);
    out.writeUInt16BE(addresses.destination.port, 50);
  } else {
    writeIPv4(out, 16, src);
    writeIPv4(out, 20, dst);
    out.writeUInt16BE(addresses.source.port, 24);
    out.writeUInt16BE(addresses.destination.port, 26);
  }
  return out;
}

// --- decoding ---

/** Reads a PROXY header (v1 or v2) at the start of `buf`. */
export function parseProxyHeader(buf: Buffer): ProxyHeaderResult {
  if (buf.length === 0) return INCOMPLETE;
  if (buf[0] === 0x0d) return parseV2(buf);
  if (buf[0] === 0x50) return parseV1(buf);
  return { kind: 'error', reason: 'not a PROXY protocol header' };
}

function startsWithPrefix(buf: Buffer, prefix: Buffer): boolean | 'partial' {
  const n = Math.min(buf.length, prefix.length);
  for (let i = 0; i < n; i++) if (buf[i] !== prefix[i]) return false;
  return n < prefix.length ? 'partial' : true;
}

function parseV1(buf: Buffer): ProxyHeaderResult {
  const prefix = startsWithPrefix(buf, V1_PREFIX);
  if (prefix === false) return { kind: 'error', reason: 'not a PROXY protocol header' };
  if (prefix === 'partial') return INCOMPLETE;
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end === -1 || end + 2 > V1_MAX) {
    if (end === -1 && buf.length < V1_MAX) return buf.includes(0x0a) ? { kind: 'error', reason: 'v1: bare LF' } : INCOMPLETE;
    return { kind: 'error', reason: 'v1: header longer than 107 bytes' };
  }
  const line = buf.toString('latin1', 0, end);
  const parts = line.split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN') return { kind: 'ok', length, addresses: null };
  if (parts.length !== 6) return { kind: 'error', reason: 'v1: expected PROXY TCP4|TCP6 SRC DST SPORT DPORT' };
  const [, family, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const isFamily = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : null;
  if (isFamily === null) return { kind: 'error', reason: `v1: unknown protocol family ${JSON.stringify(family)}` };
  if (!isFamily(src) || !isFamily(dst)) return { kind: 'error', reason: `v1: addresses are not ${family}` };
  const sourcePort = parsePort(sport);
  const destinationPort = parsePort(dport);
  if (sourcePort === -1 || destinationPort === -1) return { kind: 'error', reason: 'v1: invalid port' };
  return { kind: 'ok', length, addresses: { source: { ip: src, port: sourcePort }, destination: { ip: dst, port: destinationPort } } };
}

function parsePort(text: string): number {
  if (!/^(0|[1-9]\d{0,4})$/.test(text)) return -1;
  const port = Number(text);
  return port <= 65535 ? port : -1;
}

function parseV2(buf: Buffer): ProxyHeaderResult {
  const prefix = startsWithPrefix(buf, V2_SIGNATURE);
  if (prefix === false) return { kind: 'error', reason: 'not a PROXY protocol header' };
  if (prefix === 'partial' || buf.length < 16) return INCOMPLETE;
  const versionCommand = buf[12]!;
  if (versionCommand >> 4 !== 2) return { kind: 'error', reason: `v2: unsupported version ${versionCommand >> 4}` };
  const command = versionCommand & 0x0f;
  if (command > 1) return { kind: 'error', reason: `v2: unknown command ${command}` };
  const familyTransport = buf[13]!;
  const declared = buf.readUInt16BE(14);
  const length = 16 + declared;
  if (buf.length < length) return INCOMPLETE;
  if (command === 0) return { kind: 'ok', length, addresses: null }; // LOCAL: addresses are to be ignored
  const family = familyTransport >> 4;
  const transport = familyTransport & 0x0f;
  if (transport !== 1 && transport !== 2) {
    if (family === 0 && transport === 0) return { kind: 'ok', length, addresses: null }; // UNSPEC
    return { kind: 'error', reason: `v2: unsupported transport ${transport}` };
  }
  if (family === 1) {
    if (declared < 12) return { kind: 'error', reason: 'v2: address block too short for IPv4' };
    return {
      kind: 'ok',
      length,
      addresses: {
        source: { ip: readIPv4(buf, 16), port: buf.readUInt16BE(24) },
        destination: { ip: readIPv4(buf, 20), port: buf.readUInt16BE(26) },
      },
    };
  }
  if (family === 2) {
    if (declared < 36) return { kind: 'error', reason: 'v2: address block too short for IPv6' };
    return {
      kind: 'ok',
      length,
      addresses: {
        source: { ip: readIPv6(buf, 16), port: buf.readUInt16BE(48) },
        destination: { ip: readIPv6(buf, 32), port: buf.readUInt16BE(50) },
      },
    };
  }
  if (family === 0) return { kind: 'ok', length, addresses: null };
  return { kind: 'error', reason: `v2: unsupported address family ${family}` };
}

// --- addresses ---

export function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

function writeIPv4(out: Buffer, at: number, ip: string): void {
  const parts = ip.split('.');
  for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
}

function readIPv4(buf: Buffer, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

function writeIPv6(out: Buffer, at: number, ip: string): void {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headWords = head ? head.split(':') : [];
  const tailWords = tail ? tail.split(':') : [];
  const words = new Array<number>(8).fill(0);
  headWords.forEach((w, i) => (words[i] = parseInt(w, 16)));
  tailWords.forEach((w, i) => (words[8 - tailWords.length + i] = parseInt(w, 16)));
  for (let i = 0; i < 8; i++) out.writeUInt16BE(words[i]!, at + 2 * i);
}

function readIPv6(buf: Buffer, at: number): string {
  const words: string[] = [];
  for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(at + 2 * i).toString(16));
  // compress the longest run of zero words, as inet_ntop does
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return words.join(':');
  const ip = `${words.slice(0, bestStart).join(':')}::${words.slice(bestStart + bestLength).join(':')}`;
  return unmapped(ip === '::ffff:' ? ip : mappedV4(ip));
}

/** `::ffff:7f00:1` -> `::ffff:127.0.0.1`, so that unmapped() can see the IPv4 address. */
function mappedV4(ip: string): string {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (!m) return ip;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `::ffff:${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}
