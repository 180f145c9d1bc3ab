/** The HPACK static table (RFC 7541 Appendix A), 1-based: index 0 is unused. */
// biome-ignore format: one entry a line, as in the spec
const STATIC: ReadonlyArray<readonly [string, string]> = [
  ['', ''],
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

export const STATIC_TABLE_LENGTH = STATIC.length - 1;
export const STATIC_NAMES: readonly string[] = STATIC.map((entry) => entry[0]);
export const STATIC_VALUES: readonly string[] = STATIC.map((entry) => entry[1]);

/** name -> the first static index with that name */
export const STATIC_NAME_INDEX = new Map<string, number>();
/** name -> value -> static index, for the entries that have a value */
export const STATIC_FIELD_INDEX = new Map<string, Map<string, number>>();
for (let i = STATIC_TABLE_LENGTH; i >= 1; i--) {
  const [name, value] = STATIC[i]!;
  STATIC_NAME_INDEX.set(name, i);
  if (value !== '') {
    let values = STATIC_FIELD_INDEX.get(name);
    if (values === undefined) STATIC_FIELD_INDEX.set(name, (values = new Map()));
    values.set(value, i);
  }
}

/** RFC 7541 §4.1: an entry's size is its name and value octets plus 32 */
export const ENTRY_OVERHEAD = 32;

/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a ring of entries, newest first, evicting the
 * oldest to stay within `maxSize`. Strings are latin1, so their length is their octet count.
 */
export class DynamicTable {
  private names: string[] = [];
  private values: string[] = [];
  /** ring capacity, a power of two; grown on demand */
  private mask = -1;
  /** ring slot of the oldest entry */
  private oldest = 0;
  length = 0;
  /** the sum of the entries' sizes */
  size = 0;
  /** entries added since creation: an entry's sequence number stays valid as newer ones arrive */
  inserted = 0;

  constructor(public maxSize: number) {}

  name(index: number): string {
    return this.names[(this.oldest + this.length - 1 - index) & this.mask]!;
  }

  value(index: number): string {
    return this.values[(this.oldest + this.length - 1 - index) & this.mask]!;
  }

  /** the index (0 = newest) of the entry with sequence number `seq`, or -1 once evicted */
  indexOf(seq: number): number {
    const index = this.inserted - 1 - seq;
    return index < this.length ? index : -1;
  }

  /**
   * Adds an entry, evicting what it takes; returns false for an entry larger than the table, which
   * empties it and is not added (§4.4). `onEvict` is told what is evicted (for the encoder's lookup maps).
   */
  add(name: string, value: string, onEvict?: TableEvictions): boolean {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    this.evictTo(this.maxSize - entrySize, onEvict);
    if (entrySize > this.maxSize) return false;
    this.inserted++;
    if (this.length > this.mask) this.grow();
    const slot = (this.oldest + this.length) & this.mask;
    this.names[slot] = name;
    this.values[slot] = value;
    this.length++;
    this.size += entrySize;
    return true;
  }

  setMaxSize(maxSize: number, onEvict?: TableEvictions): void {
    this.maxSize = maxSize;
    this.evictTo(maxSize, onEvict);
  }

  private evictTo(target: number, onEvict: TableEvictions | undefined): void {
    while (this.size > target && this.length > 0) {
      const slot = this.oldest;
      const name = this.names[slot]!;
      const value = this.values[slot]!;
      this.size -= name.length + value.length + ENTRY_OVERHEAD;
      this.names[slot] = this.values[slot] = '';
      this.oldest = (slot + 1) & this.mask;
      this.length--;
      if (onEvict !== undefined) onEvict.evicted(name, value, this.inserted - 1 - this.length);
    }
  }

  private grow(): void {
    const capacity = this.mask === -1 ? 16 : (this.mask + 1) * 2;
    const names: string[] = new Array(capacity);
    const values: string[] = new Array(capacity);
    for (let i = 0; i < this.length; i++) {
      names[i] = this.names[(this.oldest + i) & this.mask]!;
      values[i] = this.values[(this.oldest + i) & this.mask]!;
    }
    this.names = names;
    this.values = values;
    this.oldest = 0;
    this.mask = capacity - 1;
  }
}

export interface TableEvictions {
  evicted(name: string, value: string, seq: number): void;
}
