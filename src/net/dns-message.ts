// The few parts of the DNS wire format (RFC 1035) a health check needs: one query out, and of the
// answer its id, rcode, truncation flag and the addresses of its A/AAAA records. Every length is
// checked against the buffer; a malformed message throws.

export const QTYPES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 };
export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const;

export interface DnsAnswer {
  id: number;
  /** the rcode's name (`NOERROR`, `NXDOMAIN`, ...) or `RCODE<n>` */
  rcode: string;
  truncated: boolean;
  /** the A and AAAA addresses in the answer section */
  addresses: string[];
  /** records in the answer section, of any type */
  answerCount: number;
}

/** A query for `name` (`qtype` a key of QTYPES), recursion desired. */
export function encodeQuery(id: number, name: string, qtype: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((label) => label.length > 0);
  const nameBytes = labels.reduce((sum, label) => sum + 1 + Buffer.byteLength(label), 1);
  const message = Buffer.alloc(12 + nameBytes + 4);
  message.writeUInt16BE(id, 0);
  message.writeUInt16BE(0x0100, 2); // RD
  message.writeUInt16BE(1, 4); // one question
  let at = 12;
  for (const label of labels) {
    const length = message.write(label, at + 1, 'ascii');
    if (length > 63) throw new Error(`label too long in ${name}`);
    message[at] = length;
    at += 1 + length;
  }
  message[at++] = 0;
  message.writeUInt16BE(QTYPES[qtype] ?? 1, at);
  message.writeUInt16BE(1, at + 2); // IN
  return message;
}

/** Where the name starting at `at` ends (compression pointers are two bytes and end it). */
function skipName(message: Buffer, at: number): number {
  for (;;) {
    if (at >= message.length) throw new Error('truncated name');
    const length = message[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2;
    at += 1 + length;
  }
}

export function decodeAnswer(message: Buffer): DnsAnswer {
  if (message.length < 12) throw new Error(`a ${message.length}-byte message is shorter than a DNS header`);
  const flags = message.readUInt16BE(2);
  const rcodeNumber = flags & 0x0f;
  const questions = message.readUInt16BE(4);
  const answerCount = message.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < questions; i++) at = skipName(message, at) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < answerCount; i++) {
    at = skipName(message, at);
    if (at + 10 > message.length) throw new Error('truncated record');
    const type = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 8);
    at += 10;
    if (at + length > message.length) throw new Error('truncated record data');
    if (type === 1 && length === 4) addresses.push([...message.subarray(at, at + 4)].join('.'));
    if (type === 28 && length === 16) addresses.push(formatIpv6(message.subarray(at, at + 16)));
    at += length;
  }
  return { id: message.readUInt16BE(0), rcode: RCODES[rcodeNumber] ?? `RCODE${rcodeNumber}`, truncated: (flags & 0x0200) !== 0, addresses, answerCount };
}

/** 16 bytes to the RFC 5952 text (longest run of zero groups as "::"). */
export function formatIpv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
