import { isIPv4, isIPv6 } from 'node:net';

/** A set of address ranges ("10.0.0.0/8", "::1", "2001:db8::/32") that can test an IP. */
export class CidrSet {
  private readonly v4: Array<{ base: number; mask: number }> = [];
  private readonly v6: Array<{ words: Uint16Array; bits: number }> = [];

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) this.add(cidr);
  }

  get empty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  private add(cidr: string): void {
    const slash = cidr.indexOf('/');
    const address = slash === -1 ? cidr : cidr.slice(0, slash);
    if (isIPv4(address)) {
      const bits = slash === -1 ? 32 : Number(cidr.slice(slash + 1));
      if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`invalid CIDR prefix in "${cidr}"`);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      this.v4.push({ base: (ipv4ToNumber(address) & mask) >>> 0, mask });
    } else if (isIPv6(address)) {
      const bits = slash === -1 ? 128 : Number(cidr.slice(slash + 1));
      if (!Number.isInteger(bits) || bits < 0 || bits > 128) throw new Error(`invalid CIDR prefix in "${cidr}"`);
      const mapped = mappedIPv4(address);
      if (mapped !== null && bits >= 96) {
        this.add(`${mapped}/${bits - 96}`);
        return;
      }
      this.v6.push({ words: ipv6ToWords(address), bits });
    } else {
      throw new Error(`"${cidr}" is not an IP address or CIDR range`);
    }
  }

  has(ip: string): boolean {
    const mapped = ip.startsWith('::ffff:') ? mappedIPv4(ip) : null;
    const v4 = mapped ?? (isIPv4(ip) ? ip : null);
    if (v4 !== null) {
      if (this.v4.length === 0) return false;
      const n = ipv4ToNumber(v4);
      for (const range of this.v4) if ((n & range.mask) >>> 0 === range.base) return true;
      return false;
    }
    if (this.v6.length === 0 || !isIPv6(ip)) return false;
    const words = ipv6ToWords(ip);
    for (const range of this.v6) if (prefixEquals(words, range.words, range.bits)) return true;
    return false;
  }
}

function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  return ((+parts[0]! << 24) | (+parts[1]! << 16) | (+parts[2]! << 8) | +parts[3]!) >>> 0;
}

function mappedIPv4(ip: string): string | null {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : null;
}

function ipv6ToWords(ip: string): Uint16Array {
  const words = new Uint16Array(8);
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const n = ipv4ToNumber(tail);
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headWords = head ? head.split(':') : [];
  const restWords = rest ? rest.split(':') : [];
  headWords.forEach((w, i) => (words[i] = parseInt(w, 16)));
  restWords.forEach((w, i) => (words[8 - restWords.length + i] = parseInt(w, 16)));
  return words;
}

function prefixEquals(a: Uint16Array, b: Uint16Array, bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}
