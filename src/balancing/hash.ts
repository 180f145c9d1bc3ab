// MurmurHash3 (x86, 32-bit) over the UTF-16 code units of a JS string, two units per
// 32-bit block: no encoding step, so hashing a key allocates nothing. The values are
// fixed by this code alone, so hash tables built from them are the same in every process.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * 30-bit hash of `text`; `seed` gives independent hash functions (maglev needs two).
 * 30 bits so the result is always a small integer to V8 and never boxed on return.
 */
export function hashString(text: string, seed = 0): number {
  let h = seed | 0;
  const length = text.length;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < length) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length << 1;
  return mix32(h) >>> 2;
}

/** Murmur3's finalizer (30 bits kept): spreads every input bit over the output; also a cheap rehash. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 2;
}
