import { HpackError } from './hpack-error.js';

/**
 * Code lengths in bits of the HPACK Huffman code (RFC 7541 Appendix B), by symbol: the 256 octets,
 * then EOS (256). The code is canonical: codes of one length are consecutive in symbol order and
 * each length continues from the last code of the shorter one, so the lengths define the codes.
 */
// biome-ignore format: the spec table, 16 symbols a row
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32-47
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48-63
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64-79
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80-95
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96-111
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112-127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
  30, // 256: EOS
];

const EOS = 256;
const LENGTHS = Uint8Array.from(CODE_LENGTHS);
const CODES = canonicalCodes(LENGTHS);

function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const codes = new Uint32Array(lengths.length);
  const order = Array.from(lengths.keys()).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  let code = 0;
  let previous = lengths[order[0]!]!;
  for (let i = 0; i < order.length; i++) {
    const symbol = order[i]!;
    const length = lengths[symbol]!;
    if (i > 0) code = (code + 1) * 2 ** (length - previous);
    codes[symbol] = code;
    previous = length;
  }
  return codes;
}

/** the code of each octet and its length, for tests and tools */
export function huffmanCode(symbol: number): { code: number; length: number } {
  return { code: CODES[symbol]!, length: LENGTHS[symbol]! };
}

/** Bytes that `s` (latin1: char codes 0-255) takes Huffman-coded, padding included. */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += LENGTHS[s.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/** Writes `s` Huffman-coded at `offset` (room for huffmanEncodedLength(s) bytes); returns the offset after it. */
export function huffmanEncode(s: string, target: Buffer, offset: number): number {
  let o = offset;
  // fewer than 8 pending bits in `acc`; a code is added at most 24 bits at a time so that it stays within 31 bits
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const symbol = s.charCodeAt(i) & 0xff;
    let code = CODES[symbol]!;
    let length = LENGTHS[symbol]!;
    if (length > 24) {
      const high = length - 16;
      acc = (acc << high) | (code >>> 16);
      bits += high;
      while (bits >= 8) target[o++] = acc >>> (bits -= 8);
      acc &= (1 << bits) - 1;
      code &= 0xffff;
      length = 16;
    }
    acc = (acc << length) | code;
    bits += length;
    while (bits >= 8) target[o++] = acc >>> (bits -= 8);
    acc &= (1 << bits) - 1;
  }
  // padding: the most significant bits of EOS, all ones
  if (bits > 0) target[o++] = (acc << (8 - bits)) | (0xff >>> bits);
  return o;
}

// The decoder reads 4 bits at a time through a state machine whose states are the 256 inner nodes
// of the code tree (state 0 is the root). An entry of DECODE[state * 16 + nibble] holds the next
// state, and the symbol completed on the way if any (codes are at least 5 bits long, so a nibble
// completes at most one).
const NEXT_MASK = 0xff;
const SYMBOL_SHIFT = 8;
const EMITS = 1 << 16;
const FAILS = 1 << 17;

const { DECODE, ACCEPTS } = buildDecoder();

function buildDecoder(): { DECODE: Uint32Array; ACCEPTS: Uint8Array } {
  // children of inner node n: child[2n] and child[2n+1]; >= 0 an inner node, < 0 the leaf ~symbol
  const child: number[] = [0, 0];
  let nodes = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const code = CODES[symbol]!;
    const length = LENGTHS[symbol]!;
    let node = 0;
    for (let bit = length - 1; bit > 0; bit--) {
      const slot = 2 * node + (Math.floor(code / 2 ** bit) & 1);
      if (child[slot] === 0) {
        child[slot] = nodes++;
        child.push(0, 0);
      }
      node = child[slot]!;
    }
    child[2 * node + (code & 1)] = ~symbol;
  }
  if (nodes !== 256) throw new Error('the Huffman code table is not a complete code');

  const decode = new Uint32Array(256 * 16);
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const next = child[2 * node + ((nibble >>> bit) & 1)]!;
        if (next >= 0) {
          node = next;
        } else if (~next === EOS) {
          entry |= FAILS;
          break;
        } else {
          entry |= EMITS | (~next << SYMBOL_SHIFT);
          node = 0;
        }
      }
      decode[state * 16 + nibble] = entry | node;
    }
  }

  // A string may end at the root or inside the all-ones path (a prefix of EOS) at most 7 bits deep.
  const accepts = new Uint8Array(256);
  let node = 0;
  for (let depth = 0; depth < 8; depth++) {
    accepts[node] = 1;
    node = child[2 * node + 1]!;
  }
  return { DECODE: decode, ACCEPTS: accepts };
}

/**
 * Decodes `src[start, end)` into `target` at `offset`; returns the offset after the output. The
 * caller gives room for `Math.floor((end - start) * 8 / 5)` bytes, the most a code of 5-bit minimum
 * can produce. Throws HpackError for EOS in the string and for padding that is not 0-7 one bits.
 */
export function huffmanDecode(src: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  let o = offset;
  let state = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    let entry = DECODE[(state << 4) | (byte >>> 4)]!;
    if ((entry & EMITS) !== 0) target[o++] = entry >>> SYMBOL_SHIFT;
    entry = DECODE[((entry & NEXT_MASK) << 4) | (byte & 0xf)]! | (entry & FAILS);
    if ((entry & EMITS) !== 0) target[o++] = entry >>> SYMBOL_SHIFT;
    if ((entry & FAILS) !== 0) throw new HpackError('EOS in a Huffman-coded string');
    state = entry & NEXT_MASK;
  }
  if (ACCEPTS[state] === 0) throw new HpackError('invalid Huffman padding');
  return o;
}
