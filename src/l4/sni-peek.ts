// Reads the server name (SNI) and the ALPN protocols from a TLS ClientHello without terminating
// TLS (RFC 8446 4.1.2, RFC 6066 3, RFC 7301 3.1). The bytes are only looked at, never changed:
// the whole ClientHello is passed on untouched. Every length is checked against what contains it.

export type ClientHelloResult = { kind: 'incomplete' } | { kind: 'error'; reason: string } | { kind: 'ok'; sni: string | null; alpn: string[] };

const RECORD_HEADER = 5;
const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const MAX_RECORD = 16384 + 2048;
/** A ClientHello beyond this is refused rather than buffered (post-quantum key shares stay far below). */
export const MAX_CLIENT_HELLO = 64 * 1024;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const INCOMPLETE = { kind: 'incomplete' } as const;

class Malformed extends Error {}

/** Parses the ClientHello at the start of `buf` (as many TLS records as it spans). */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  // gather the handshake message from consecutive handshake records
  const fragments: Buffer[] = [];
  let gathered = 0;
  let needed = -1; // length of the handshake message once its header is known
  let at = 0;
  while (needed === -1 || gathered < needed) {
    if (buf.length < at + RECORD_HEADER) return INCOMPLETE;
    if (buf[at] !== HANDSHAKE) return { kind: 'error', reason: at === 0 ? 'not a TLS handshake' : 'ClientHello interrupted by another record type' };
    if (buf[at + 1] !== 0x03) return { kind: 'error', reason: 'unsupported record version' };
    const length = buf.readUInt16BE(at + 3);
    if (length === 0 || length > MAX_RECORD) return { kind: 'error', reason: 'invalid record length' };
    if (buf.length < at + RECORD_HEADER + length) return INCOMPLETE;
    fragments.push(buf.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length));
    gathered += length;
    at += RECORD_HEADER + length;
    if (needed === -1 && gathered >= 4) {
      const head = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
      if (head[0] !== CLIENT_HELLO) return { kind: 'error', reason: 'first handshake message is not a ClientHello' };
      needed = 4 + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
      if (needed > MAX_CLIENT_HELLO) return { kind: 'error', reason: 'ClientHello too large' };
    }
  }
  const message = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
  try {
    return readClientHello(message.subarray(4, needed));
  } catch (error) {
    if (error instanceof Malformed) return { kind: 'error', reason: error.message };
    throw error;
  }
}

/** A bounds-checked reader over one buffer. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.at;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  u16(): number {
    this.need(2);
    const value = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return value;
  }

  skip(n: number): void {
    this.need(n);
    this.at += n;
  }

  /** A sub-reader over the next `n` bytes, which this reader then skips. */
  sub(n: number): Reader {
    this.need(n);
    const reader = new Reader(this.buf, this.at, this.at + n);
    this.at += n;
    return reader;
  }

  text(n: number): string {
    this.need(n);
    const value = this.buf.toString('latin1', this.at, this.at + n);
    this.at += n;
    return value;
  }

  private need(n: number): void {
    if (this.at + n > this.end) throw new Malformed('ClientHello field runs past its container');
  }
}

function readClientHello(body: Buffer): ClientHelloResult {
  const r = new Reader(body, 0, body.length);
  const major = r.u8();
  r.u8();
  if (major !== 3) throw new Malformed('unsupported ClientHello version');
  r.skip(32); // random
  const sessionId = r.u8();
  if (sessionId > 32) throw new Malformed('session id longer than 32 bytes');
  r.skip(sessionId);
  const suites = r.u16();
  if (suites < 2 || suites % 2 !== 0) throw new Malformed('invalid cipher suites length');
  r.skip(suites);
  const compression = r.u8();
  if (compression < 1) throw new Malformed('no compression methods');
  r.skip(compression);
  let sni: string | null = null;
  let alpn: string[] = [];
  if (r.remaining === 0) return { kind: 'ok', sni, alpn }; // no extensions at all
  const extensions = r.sub(r.u16());
  if (r.remaining !== 0) throw new Malformed('bytes after the extensions');
  const seen = new Set<number>();
  while (extensions.remaining > 0) {
    const type = extensions.u16();
    const data = extensions.sub(extensions.u16());
    if (seen.has(type)) throw new Malformed(`extension ${type} appears twice`);
    seen.add(type);
    if (type === EXT_SERVER_NAME) sni = readServerName(data);
    else if (type === EXT_ALPN) alpn = readAlpn(data);
  }
  return { kind: 'ok', sni, alpn };
}

function readServerName(data: Reader): string | null {
  const list = data.sub(data.u16());
  if (data.remaining !== 0) throw new Malformed('bytes after the server name list');
  let name: string | null = null;
  while (list.remaining > 0) {
    const type = list.u8();
    const length = list.u16();
    if (type !== 0) {
      list.skip(length);
      continue;
    }
    if (name !== null) throw new Malformed('two host names in server_name');
    if (length === 0 || length > 253) throw new Malformed('invalid host name length');
    const host = list.text(length).toLowerCase().replace(/\.$/, '');
    if (!HOST_NAME.test(host)) throw new Malformed('invalid host name in server_name');
    name = host;
  }
  return name;
}

function readAlpn(data: Reader): string[] {
  const list = data.sub(data.u16());
  if (data.remaining !== 0) throw new Malformed('bytes after the ALPN list');
  const protocols: string[] = [];
  while (list.remaining > 0) {
    const length = list.u8();
    if (length === 0) throw new Malformed('empty ALPN protocol id');
    protocols.push(list.text(length));
  }
  if (protocols.length === 0) throw new Malformed('empty ALPN list');
  return protocols;
}
